// node check.mjs BASE_URL API_KEY MODEL PROMPT
// Uses OpenAI's official client exactly as an application would, and prints what it got back as one JSON object.
import OpenAI from "openai";

const [baseURL, apiKey, model, prompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });

const models = await client.models.list();
const completion = await client.completions.create({ model, prompt, max_tokens: 10, temperature: 0 });
const chat = await client.chat.completions.create({ model, messages: [{ role: "user", content: prompt }], max_tokens: 10, temperature: 0 });

let streamed = "";
let usage = null;
let finish = null;
const stream = await client.chat.completions.create({
  model, messages: [{ role: "user", content: prompt }], max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    streamed += choice.delta?.content ?? "";
    finish = choice.finish_reason ?? finish;
  }
}

let error = null;
try {
  await client.completions.create({ model: "no-such-model", prompt, max_tokens: 1 });
} catch (e) {
  error = { name: e.constructor.name, status: e.status, type: e.type ?? e.error?.type, param: e.param ?? e.error?.param };
}

console.log(JSON.stringify({
  models: models.data.map((m) => m.id),
  completion: { text: completion.choices[0].text, finish: completion.choices[0].finish_reason, usage: completion.usage },
  chat: { text: chat.choices[0].message.content, role: chat.choices[0].message.role, usage: chat.usage },
  stream: { text: streamed, finish, usage },
  error,
}));
