// The activity catalog as GET /api/activities serves it (the same JSON as `pipelines activities --json`).

export interface PortDescriptor {
  name: string;
  type: string;
  description?: string | null;
  required?: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  fields?: PortDescriptor[];
}

export interface ActivityDescriptor {
  type: string;
  version: number;
  /** TYPE@VERSION, what a step's `uses` says. */
  uses: string;
  category: string;
  description: string;
  deterministic?: boolean;
  inputs: PortDescriptor[];
  outputs: PortDescriptor[];
}

export function findActivity(catalog: readonly ActivityDescriptor[], uses: string | null | undefined): ActivityDescriptor | undefined {
  return uses ? catalog.find((a) => a.uses === uses) : undefined;
}

/** The palette's groups: activities matching the search (type, category or description), by category, sorted. */
export function paletteGroups(catalog: readonly ActivityDescriptor[], search: string): [string, ActivityDescriptor[]][] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const groups = new Map<string, ActivityDescriptor[]>();
  for (const a of catalog) {
    const haystack = `${a.uses} ${a.category} ${a.description}`.toLowerCase();
    if (!words.every((w) => haystack.includes(w))) continue;
    groups.set(a.category, [...(groups.get(a.category) ?? []), a]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([c, list]) => [c, list.sort((x, y) => x.uses.localeCompare(y.uses))]);
}
