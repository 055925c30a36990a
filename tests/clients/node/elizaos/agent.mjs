// Real TypeScript ElizaOS 1.7.2 agents for the real-client tests (tests/clients/test_elizaos_ts.py).
//
//   node agent.mjs <script.json>
//
// The script lists agent runs, done one after the other in this process (they share one PGlite
// database, which is most of an agent's start-up cost): each names its model plugin ("openai" or
// "anthropic"), its settings (the README's environment: OPENAI_BASE_URL, ANTHROPIC_BASE_URL,
// OPENAI_EMBEDDING_URL, models, keys; given to the runtime as its settings, which is where
// ElizaOS puts a .env), the messages to send in one GROUP room ({from, text, mention?}), and the
// model calls to make directly afterwards.
//
// The log (JSON, one entry per run) holds every model call (type, params, result or error), every
// HTTP call (method, URL, request body, status, the proxy's x-reasoning-role / x-reasoning-reason,
// response body), the agent's replies, each message's handleMessage result, whether the reflection
// evaluator completed, and every warning or error the runtime or a plugin logged. Nothing is
// judged here: the Python tests do that.
import { readFileSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { AgentRuntime, ChannelType, ModelType, logger } from "@elizaos/core";
import sqlPlugin, { createDatabaseAdapter } from "@elizaos/plugin-sql";
import bootstrapPlugin from "@elizaos/plugin-bootstrap";
import openaiPlugin from "@elizaos/plugin-openai";
import anthropicPlugin from "@elizaos/plugin-anthropic";

const script = JSON.parse(readFileSync(process.argv[2], "utf8"));
const logs = {};
let current = null; // the log of the run in progress: the wrappers below write into it
let pending = [];

const describe = (error) => `${error?.name ?? "Error"}: ${error?.message ?? String(error)}`;

function safeJson(value) {
  try {
    return JSON.stringify(value, (_, v) => (v instanceof Error ? { name: v.name, message: v.message } : v));
  } catch {
    return String(value);
  }
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function problem(source, level, args) {
  const text = args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ");
  (current ?? (logs["(between runs)"] ??= { problems: [] })).problems.push({ source, level, text });
}

// Every warning and error: the shared logger (plugins import it), each runtime's own, and the
// console (what the loggers print through it is not counted twice).
let inLogger = 0;
function watch(target, source) {
  for (const level of ["warn", "error", "fatal"]) {
    const original = target[level].bind(target);
    target[level] = (...args) => {
      problem(source, level, args);
      inLogger += 1;
      try {
        return original(...args);
      } finally {
        inLogger -= 1;
      }
    };
  }
}
watch(logger, "logger");
for (const level of ["warn", "error"]) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    if (!inLogger) problem("console", level, args);
    original(...args);
  };
}
process.on("unhandledRejection", (error) => problem("process", "unhandledRejection", [error]));
// The AI SDK warns (as process warnings) about settings the plugins pass and a provider ignores
// (stopSequences on the Responses API...): the plugins' choice, not a failure.
globalThis.AI_SDK_LOG_WARNINGS = false;

// Every HTTP call, with the proxy's decision headers; bodies are read from a clone, off the path.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const method = init.method || (typeof input === "object" && input.method) || "GET";
  const entry = { method, url, request: typeof init.body === "string" ? parse(init.body) : null };
  current?.httpCalls.push(entry);
  try {
    const response = await realFetch(input, init);
    entry.status = response.status;
    entry.role = response.headers.get("x-reasoning-role");
    entry.reason = response.headers.get("x-reasoning-reason");
    entry.contentType = response.headers.get("content-type");
    pending.push(
      response
        .clone()
        .text()
        .then((text) => (entry.response = entry.contentType?.includes("json") ? parse(text) : text))
        .catch((error) => (entry.responseError = String(error))),
    );
    return response;
  } catch (error) {
    entry.error = String(error);
    throw error;
  }
};

const embeddingsOnly = {
  name: "embeddings-from-plugin-openai",
  description: "plugin-openai's TEXT_EMBEDDING alone, at OPENAI_EMBEDDING_URL (plugin-anthropic has none)",
  models: { [ModelType.TEXT_EMBEDDING]: openaiPlugin.models[ModelType.TEXT_EMBEDDING] },
};

// core 1.7.2 reads the `agents` table before it runs migrations, so on a fresh PGlite
// `initialize()` fails with 42P01: the first adapter is made and migrated by hand first
// (elizaos-ts-through-proxy.md, "ElizaOS-side setup problems").
let migrated = false;
async function adapterFor(agentId) {
  const adapter = createDatabaseAdapter({ dataDir: script.pgliteDir }, agentId);
  await adapter.init();
  if (!migrated) {
    await adapter.runPluginMigrations([{ name: sqlPlugin.name, schema: sqlPlugin.schema }], {
      verbose: false,
      force: false,
      dryRun: false,
    });
    migrated = true;
  }
  return adapter;
}

async function run(spec) {
  const log = { plugin: spec.plugin, modelCalls: [], httpCalls: [], replies: [], messages: [], problems: [], direct: [] };
  logs[spec.name] = current = log;
  pending = [];
  const agentId = randomUUID();
  const runtime = new AgentRuntime({
    agentId,
    character: { id: agentId, name: "Eliza", bio: ["Eliza is a helpful member of the group chat."], plugins: [] },
    plugins: [sqlPlugin, bootstrapPlugin, ...(spec.plugin === "anthropic" ? [anthropicPlugin, embeddingsOnly] : [openaiPlugin])],
    adapter: await adapterFor(agentId),
    settings: spec.settings,
    conversationLength: 8, // the reflection evaluator runs once more than 2 messages are new
  });
  watch(runtime.logger, "runtime");
  const useModel = runtime.useModel.bind(runtime);
  runtime.useModel = async (type, params, ...rest) => {
    const embedding = type === ModelType.TEXT_EMBEDDING;
    const entry = { type, params: embedding ? { text: params?.text ?? params } : { ...params } };
    log.modelCalls.push(entry);
    try {
      const result = await useModel(type, params, ...rest);
      entry.result = embedding ? { dimensions: Array.isArray(result) ? result.length : null } : result;
      return result;
    } catch (error) {
      entry.error = describe(error);
      throw error;
    }
  };
  await runtime.initialize();

  const roomId = randomUUID();
  const worldId = randomUUID();
  const messageServerId = randomUUID(); // must be a UUID
  const people = {};
  for (const name of new Set(spec.messages.map((m) => m.from))) {
    people[name] = randomUUID();
    await runtime.ensureConnection({
      entityId: people[name], roomId, worldId, worldName: "Test World", userName: name, name,
      source: "test", type: ChannelType.GROUP, channelId: "general", messageServerId,
    });
  }

  for (const [index, sent] of spec.messages.entries()) {
    const memory = {
      id: randomUUID(),
      entityId: people[sent.from],
      agentId,
      roomId,
      content: {
        text: sent.text,
        source: "test",
        channelType: ChannelType.GROUP,
        ...(sent.mention ? { mentionContext: { isMention: true, isReply: false, isThread: false } } : {}),
      },
      createdAt: Date.now() + index,
    };
    const record = { index, from: sent.from, text: sent.text, firstModelCall: log.modelCalls.length };
    log.messages.push(record);
    // `stream: true`: the reply streams to onStreamChunk, as a chat UI asks for it (1.7.x API)
    const options = sent.stream ? { onStreamChunk: async (chunk) => { (record.chunks ??= []).push(chunk); } } : undefined;
    try {
      const result = await runtime.messageService.handleMessage(runtime, memory, async (content) => {
        log.replies.push({ index, text: content.text ?? null, actions: content.actions ?? [], thought: content.thought });
        return [];
      }, options);
      record.didRespond = result.didRespond;
      record.mode = result.mode;
    } catch (error) {
      record.error = describe(error);
    }
    record.lastModelCall = log.modelCalls.length;
    record.reflected = (await runtime.getCache(`${roomId}-reflection-last-processed`)) === memory.id;
  }

  for (const call of spec.direct ?? []) {
    const entry = { type: call.type, prompt: call.prompt };
    log.direct.push(entry);
    try {
      entry.result = await runtime.useModel(ModelType[call.type], { prompt: call.prompt });
    } catch (error) {
      entry.error = describe(error);
    }
  }
  await runtime.stop().catch((error) => problem("stop", "error", [error]));
  await Promise.allSettled(pending);
  current = null;
}

for (const spec of script.runs) {
  try {
    await run(spec);
  } catch (error) {
    problem("run", "fatal", [describe(error)]);
    current = null;
  }
}
writeFileSync(script.log, JSON.stringify(logs, null, 1));
process.exit(0);
