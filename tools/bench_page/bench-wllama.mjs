// The wllama side of `python3 build.py bench` (tools/bench.py). Same prompt text (ChatML, rendered
// by our template), greedy, same token budget. Times are seconds since navigation start.
import { Wllama } from "./bench/wllama/index.js";

const now = () => performance.now() / 1000;
const params = new URLSearchParams(location.search);
const phase = params.get("phase") || "warm";
const tokens = Number(params.get("tokens") || 0);
const threads = Number(params.get("threads") || 1);
const nCtx = Number(params.get("ctx") || 1024);
const result = { phase, script_started_s: now() };
const logLines = [];
const keep = /webgpu|model buffer size|offload|multithread|backend|error|warn/i;
const record = (level) => (...args) => {
  const text = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  if (keep.test(text) && logLines.length < 200) logLines.push(`${level}: ${text.slice(0, 300)}`);
};
const logger = { debug: record("debug"), log: record("log"), warn: record("warn"), error: record("error") };

function say(text, state = "running") {
  console.log("[bench] " + text);
  const status = document.getElementById("status");
  status.textContent = text;
  status.dataset.state = state;
}

try {
  const url = (path) => new URL(path, location.href).href;
  const wllama = new Wllama({ default: url("./bench/wllama/wllama.wasm") }, { logger });
  wllama.setCompat(null); // never fetch the CDN fallback: this Chromium has JSPI and memory64
  say(`${phase}: loading the model (${threads} threads)`);
  const start = now();
  await wllama.loadModelFromUrl(url("./bench/model.gguf"), { n_ctx: nCtx, n_threads: threads });
  result.load_s = now() - start;
  result.ready_s = now();
  result.threads = wllama.getNumThreads();
  result.multithread = wllama.isMultithread();
  result.version = Wllama.getLibllamaVersion ? Wllama.getLibllamaVersion() : null;

  if (tokens) {
    const prompt = await (await fetch("./bench/prompt.json")).json();
    say(`generating ${tokens} tokens`);
    let first = null, last = null, text = "", timings = null, usage = null, chunks = 0;
    const begin = now();
    const stream = await wllama.createCompletion({
      prompt: prompt.prompt_text, max_tokens: tokens, stream: true,
      temperature: 0, top_k: 1, repeat_penalty: 1.0, cache_prompt: false,
      ignore_eos: true,  // both sides decode the same fixed number of tokens
    });
    for await (const chunk of stream) {
      const t = now();
      const piece = chunk.choices?.[0]?.text || "";
      if (piece) {
        if (first === null) first = t;
        last = t;
        text += piece;
        chunks++;
      }
      if (chunk.timings) timings = chunk.timings;
      if (chunk.usage) usage = chunk.usage;
    }
    result.completion = {
      start_s: begin, first_s: first, last_s: last, text, chunks,
      prompt_tokens: usage?.prompt_tokens ?? timings?.prompt_n ?? null,
      completion_tokens: usage?.completion_tokens ?? timings?.predicted_n ?? null,
      engine_timings: timings,
    };
  }
  await wllama.exit();
  result.ok = true;
  say("done", "done");
} catch (error) {
  result.ok = false;
  result.error = String(error && (error.stack || error.message) || error);
  say("error: " + result.error, "error");
}
result.log = logLines;
window.benchResult = JSON.stringify(result);
