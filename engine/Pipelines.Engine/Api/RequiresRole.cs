namespace Pipelines.Api;

/// <summary>Endpoint metadata: the role a caller needs (see <see cref="ApiRoles"/>).</summary>
public sealed record RequiresRole(string Role);
