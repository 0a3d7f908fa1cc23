// Memory probe, loaded as the first (classic) script of every tunnel page, so
// it runs before the page's own code. It notes every WebAssembly memory the
// page creates (V8's heap figures leave them out), and answers the parent's
// {benchProbe:"memory"} after a full GC with the JS heap and the wasm bytes.
// Its listener is registered first and stops the event, so the tunnel never
// sees the probe's messages. Served with the parent origin filled in.
(() => {
  const PARENT_ORIGIN = "%%PARENT_ORIGIN%%";
  const W = WebAssembly;
  const memories = new Set();
  const note = (instance) => {
    for (const v of Object.values(instance.exports)) if (v instanceof W.Memory) memories.add(v);
  };

  const instantiate = W.instantiate;
  W.instantiate = function (source, imports) {
    return instantiate.call(W, source, imports).then((r) => {
      note(r instanceof W.Instance ? r : r.instance);
      return r;
    });
  };
  const streaming = W.instantiateStreaming;
  if (streaming) {
    W.instantiateStreaming = function (source, imports) {
      return streaming.call(W, source, imports).then((r) => {
        note(r.instance);
        return r;
      });
    };
  }
  // Constructors too (an imported memory; synchronous instantiation). The
  // wrappers share the prototypes, so `instanceof` keeps working.
  const Memory = W.Memory;
  W.Memory = function Memory_(descriptor) {
    const m = new Memory(descriptor);
    memories.add(m);
    return m;
  };
  W.Memory.prototype = Memory.prototype;
  const Instance = W.Instance;
  W.Instance = function Instance_(module, imports) {
    const i = new Instance(module, imports);
    note(i);
    return i;
  };
  W.Instance.prototype = Instance.prototype;

  addEventListener("message", (e) => {
    const d = e.data;
    if (d === null || typeof d !== "object" || d.benchProbe !== "memory") return;
    e.stopImmediatePropagation();
    if (e.source !== parent || e.origin !== PARENT_ORIGIN) return;
    let error;
    if (typeof gc === "function") { gc(); gc(); } else error = "gc() not exposed (--js-flags=--expose-gc)";
    let wasm = 0;
    for (const m of memories) wasm += m.buffer.byteLength;
    parent.postMessage({
      benchProbe: "memory",
      id: d.id,
      jsHeap: performance.memory ? performance.memory.usedJSHeapSize : null,
      jsHeapTotal: performance.memory ? performance.memory.totalJSHeapSize : null,
      wasm,
      wasmMemories: memories.size,
      webdriver: navigator.webdriver,
      error,
    }, PARENT_ORIGIN);
  }, true);
})();
