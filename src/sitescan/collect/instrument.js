// Injected into every frame before the page's own scripts run. It reports, through the binding
// __sitescanReport, what the DevTools protocol cannot attribute by itself: which script wrote a cookie,
// which requests were sent as beacons, which one-shot timers are still pending (so the scan waits for a
// tag that fires a few seconds after load instead of sleeping a fixed time), which scripts fingerprint
// the browser (canvas, audio, WebRTC, fonts) and which listen to keyboard and input events.
(() => {
  if (window.__sitescanInstalled) return;
  Object.defineProperty(window, "__sitescanInstalled", { value: true });
  // Each report names its document: a page's reports while the tab leaves it are still that page's.
  const report = (kind, payload) => {
    try {
      window.__sitescanReport(kind, { ...payload, document: location.href });
    } catch (e) {
      /* the binding is gone while a frame unloads: nothing to do */
    }
  };
  // The innermost script URL on the stack that is not this file: the script that made the call.
  const callerScript = () => {
    const stack = new Error().stack || "";
    const urls = stack.match(/(https?:\/\/[^\s)]+?):\d+:\d+/g) || [];
    return urls.length ? urls[0].replace(/:\d+:\d+$/, "") : null;
  };

  // Every distinct script URL on the stack, innermost first: a listener attached through a library
  // (jQuery from a CDN) called by the page's own code has the page's script further down.
  const callerScripts = () => {
    const stack = new Error().stack || "";
    const urls = (stack.match(/(https?:\/\/[^\s)]+?):\d+:\d+/g) || []).map((u) => u.replace(/:\d+:\d+$/, ""));
    return [...new Set(urls)];
  };
  // `original` with `before(this, arguments)` run first, never breaking the call; the wrapper keeps the
  // original's name, `this` and return value.
  const guarded = (original, before) => {
    const wrapped = function () {
      try {
        before(this, arguments);
      } catch (e) {
        /* instrumentation never breaks the page */
      }
      return original.apply(this, arguments);
    };
    Object.defineProperty(wrapped, "name", { value: original.name });
    return wrapped;
  };
  // Wraps obj[name], a method.
  const wrapMethod = (obj, name, before) => {
    const original = obj && obj[name];
    if (typeof original === "function") obj[name] = guarded(original, before);
  };
  // Wraps the getter or setter of an accessor property.
  const wrapAccessor = (obj, name, part, before) => {
    const descriptor = obj && Object.getOwnPropertyDescriptor(obj, name);
    const original = descriptor && descriptor[part];
    if (typeof original !== "function") return;
    Object.defineProperty(obj, name, { ...descriptor, [part]: guarded(original, before) });
  };
  const reported = new Set(); // one report per distinct observation in this document
  const reportOnce = (key, kind, payload) => {
    if (reported.has(key)) return;
    reported.add(key);
    report(kind, payload);
  };

  const cookieDescriptor = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (cookieDescriptor && cookieDescriptor.set) {
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true,
      enumerable: cookieDescriptor.enumerable,
      get() {
        return cookieDescriptor.get.call(this);
      },
      set(value) {
        report("cookie", { line: String(value), script: callerScript(), url: location.href });
        return cookieDescriptor.set.call(this, value);
      },
    });
  }

  if (window.cookieStore && window.CookieStore) {
    const originalSet = CookieStore.prototype.set;
    CookieStore.prototype.set = function (nameOrOptions, value) {
      const options = typeof nameOrOptions === "object" ? nameOrOptions : { name: nameOrOptions, value };
      let line = `${options.name}=${options.value ?? ""}`;
      if (options.domain) line += `; domain=${options.domain}`;
      if (options.path) line += `; path=${options.path}`;
      report("cookie", { line, script: callerScript(), url: location.href, api: "cookieStore" });
      return originalSet.apply(this, arguments);
    };
  }

  if (navigator.sendBeacon) {
    const originalBeacon = navigator.sendBeacon;
    navigator.sendBeacon = function (url) {
      report("beacon", { kind: "sendBeacon", url: new URL(url, location.href).href, script: callerScript() });
      return originalBeacon.apply(this, arguments);
    };
  }

  // Windows the page tries to open: Chromium's popup blocker stops those opened without a click, as
  // in a visitor's browser, so the attempt is only seen here.
  const originalOpen = window.open;
  window.open = function (url) {
    try {
      report("popup", { url: new URL(String(url ?? ""), location.href).href, script: callerScript() });
    } catch (e) {
      /* a malformed URL: open itself will fail */
    }
    return originalOpen.apply(this, arguments);
  };

  const originalFetch = window.fetch;
  window.fetch = function (input, init) {
    try {
      const keepalive = (init && init.keepalive) || (input instanceof Request && input.keepalive);
      if (keepalive) {
        const url = input instanceof Request ? input.url : new URL(String(input), location.href).href;
        report("beacon", { kind: "keepalive", url, script: callerScript() });
      }
    } catch (e) {
      /* a malformed argument: fetch itself will reject it */
    }
    return originalFetch.apply(this, arguments);
  };

  // -- Fingerprinting (dataflow.fingerprinting), detected from the calls, each reported once per script
  // and document with the calling script's URL.
  const fingerprint = (technique, script, details) => {
    const key = `${technique} ${script}`;
    reportOnce(key, "fingerprint", { technique, script, details, key });
  };

  // Canvas: the criteria of Englehardt & Narayanan (2016), simplified: a script draws text (10 distinct
  // characters or two colours) on a canvas of at least 16x16 and reads the whole image back, losslessly,
  // itself. A chart library saves (and restores) its context or listens on its canvas; a probe does not.
  const canvasText = new WeakMap(); // canvas -> { script, chars, styles, sample }
  const drawnCanvases = new WeakSet(); // save/restore or a listener: a drawing, not a probe
  if (window.CanvasRenderingContext2D) {
    const drewText = (context, args) => {
      const canvas = context.canvas;
      let state = canvasText.get(canvas);
      if (!state) {
        state = { script: callerScript(), chars: new Set(), styles: new Set(), sample: "" };
        canvasText.set(canvas, state);
      }
      const text = String(args[0]).slice(0, 64);
      if (state.chars.size < 10) for (const char of text) state.chars.add(char);
      if (state.styles.size < 2) state.styles.add(String(context.fillStyle));
      if (state.sample.length < 64) state.sample = (state.sample ? `${state.sample} | ${text}` : text).slice(0, 64);
    };
    const readBack = (canvas, method, width, height, type) => {
      const state = canvasText.get(canvas);
      if (!state || drawnCanvases.has(canvas) || !(width >= 16 && height >= 16)) return;
      if (typeof type === "string" && /jpe?g|webp/i.test(type)) return; // lossy: useless as an identifier
      if (state.chars.size < 10 && state.styles.size < 2) return;
      const script = callerScript();
      if (script === state.script) fingerprint("canvas", script, { method, width, height, text: state.sample });
    };
    const context2d = CanvasRenderingContext2D.prototype;
    wrapMethod(context2d, "fillText", drewText);
    wrapMethod(context2d, "strokeText", drewText);
    wrapMethod(context2d, "save", (context) => drawnCanvases.add(context.canvas));
    wrapMethod(context2d, "getImageData", (context, args) =>
      readBack(context.canvas, "getImageData", Math.abs(args[2]), Math.abs(args[3]), null));
    wrapMethod(HTMLCanvasElement.prototype, "toDataURL", (canvas, args) =>
      readBack(canvas, "toDataURL", canvas.width, canvas.height, args[0]));
    wrapMethod(HTMLCanvasElement.prototype, "toBlob", (canvas, args) =>
      readBack(canvas, "toBlob", canvas.width, canvas.height, args[1]));
  }

  // Audio: an OfflineAudioContext with an oscillator rendered, and the rendered samples read by the script
  // that started the rendering (the signal differs with the audio stack: hardware, OS, browser build).
  const OfflineContext = window.OfflineAudioContext;
  if (OfflineContext && window.BaseAudioContext && window.AudioBuffer) {
    const graphs = new WeakMap(); // offline context -> { oscillator, compressor }
    const renderedBy = new Map(); // script -> the graph it rendered
    const added = (kind) => (context) => {
      if (!(context instanceof OfflineContext)) return;
      const graph = graphs.get(context) || { oscillator: false, compressor: false };
      graph[kind] = true;
      graphs.set(context, graph);
    };
    wrapMethod(BaseAudioContext.prototype, "createOscillator", added("oscillator"));
    wrapMethod(BaseAudioContext.prototype, "createDynamicsCompressor", added("compressor"));
    wrapMethod(OfflineContext.prototype, "startRendering", (context) => {
      const graph = graphs.get(context);
      if (graph && graph.oscillator) renderedBy.set(callerScript(), { ...graph, sample_rate: context.sampleRate });
    });
    const readSamples = (method) => () => {
      if (!renderedBy.size) return;
      const script = callerScript();
      const graph = renderedBy.get(script);
      if (graph) fingerprint("audio", script, { method, ...graph });
    };
    wrapMethod(AudioBuffer.prototype, "getChannelData", readSamples("getChannelData"));
    wrapMethod(AudioBuffer.prototype, "copyFromChannel", readSamples("copyFromChannel"));
  }

  // WebRTC local-address probe: a peer connection that creates an offer and listens for ICE candidates,
  // with no media. A call adds its tracks before the offer; one that later adds media or gets an answer
  // (a remote description) was a real connection after all, and its report is withdrawn.
  let iceListened = () => {};
  if (window.RTCPeerConnection) {
    const peers = new WeakMap();
    let peerCount = 0;
    const peer = (connection) => {
      let state = peers.get(connection);
      if (!state) {
        state = { id: ++peerCount, script: null, data_channel: false, offer: false, listener: false };
        Object.assign(state, { media: false, reported: false });
        peers.set(connection, state);
      }
      return state;
    };
    const probe = (state) => {
      if (state.offer && state.listener && !state.reported && !state.media) {
        state.reported = true;
        report("fingerprint", {
          technique: "webrtc",
          script: state.script,
          details: { data_channel: state.data_channel },
          key: `webrtc ${state.id}`,
        });
      }
    };
    const realConnection = (connection) => {
      const state = peer(connection);
      state.media = true;
      if (state.reported) report("fingerprint-withdrawn", { key: `webrtc ${state.id}` });
    };
    const peerPrototype = RTCPeerConnection.prototype;
    wrapMethod(peerPrototype, "createDataChannel", (connection) => {
      const state = peer(connection);
      state.data_channel = true;
      state.script = state.script || callerScript();
    });
    wrapMethod(peerPrototype, "createOffer", (connection) => {
      const state = peer(connection);
      state.offer = true;
      state.script = state.script || callerScript();
      probe(state);
    });
    for (const method of ["addTrack", "addTransceiver", "addStream", "setRemoteDescription"]) {
      wrapMethod(peerPrototype, method, realConnection);
    }
    iceListened = (connection) => {
      if (!(connection instanceof RTCPeerConnection)) return;
      const state = peer(connection);
      state.listener = true;
      probe(state);
    };
    wrapAccessor(peerPrototype, "onicecandidate", "set", (connection, args) => {
      if (typeof args[0] === "function") iceListened(connection);
    });
  }

  // Font enumeration: text measured in more than 20 font families (a probe measures each candidate
  // against a fallback: a different size means the font is installed). Each family counts for the script
  // that measured it first, so a page measuring its two fonts a thousand times costs two stack reads.
  const FONT_FAMILIES_LIMIT = 20;
  const familyMeasuredBy = new Map(); // family -> script
  const familiesOf = new Map(); // script -> families it measured first
  const firstFamily = (families) => (families.split(",")[0] || "").trim().replace(/^["']|["']$/g, "").toLowerCase();
  const fontFamily = (font) => firstFamily((/\d\S*\s+(.+)$/.exec(font) || [])[1] || ""); // after the size
  const measured = (family, method) => {
    if (!family || familyMeasuredBy.has(family) || familyMeasuredBy.size > 5000) return;
    const script = callerScript();
    familyMeasuredBy.set(family, script);
    const families = familiesOf.get(script) || [];
    families.push(family.slice(0, 64));
    familiesOf.set(script, families);
    if (families.length > FONT_FAMILIES_LIMIT) fingerprint("fonts", script, { method, families });
  };
  if (window.CanvasRenderingContext2D) {
    wrapMethod(CanvasRenderingContext2D.prototype, "measureText", (context) =>
      measured(fontFamily(String(context.font)), "measureText"));
  }
  if (window.FontFaceSet) {
    wrapMethod(FontFaceSet.prototype, "check", (fonts, args) => measured(fontFamily(String(args[0])), "fonts.check"));
  }
  for (const dimension of ["offsetWidth", "offsetHeight"]) {
    wrapAccessor(HTMLElement.prototype, dimension, "get", (element) => {
      const families = element.style.fontFamily; // a probe sets it inline on the span it measures
      if (families) measured(firstFamily(families), dimension);
    });
  }

  // -- Keyboard and input listeners (dataflow.keylogging): the event, what listens (window, document, a
  // form field with its type and name) and every script on the stack.
  const INPUT_EVENTS = ["keydown", "keyup", "keypress", "input", "change", "beforeinput"];
  const describeTarget = (target) => {
    if (target === window) return { target: "window" };
    if (target === document) return { target: "document" };
    if (!(target instanceof Element)) return { target: "other" };
    const tag = target.localName;
    const name = (target.getAttribute("name") || target.id || "").slice(0, 100) || null;
    if (tag === "input") return { target: tag, field_type: target.type, field_name: name };
    if (tag === "textarea" || tag === "select" || tag === "form") return { target: tag, field_name: name };
    if (target.hasAttribute("contenteditable")) return { target: "editable", field_name: name };
    return { target: tag };
  };
  const listened = (type, target, via) => {
    const where = describeTarget(target);
    const scripts = callerScripts();
    const key = ["listener", type, via, where.target, where.field_type, where.field_name, ...scripts].join("\n");
    reportOnce(key, "listener", { event: type, via, ...where, scripts });
  };
  wrapMethod(EventTarget.prototype, "addEventListener", (target, args) => {
    const type = args[0];
    if (INPUT_EVENTS.includes(type)) listened(type, target, "addEventListener");
    else if (type === "icecandidate") iceListened(target);
    if (target instanceof HTMLCanvasElement) drawnCanvases.add(target);
  });
  for (const type of INPUT_EVENTS) {
    for (const owner of [HTMLElement.prototype, Document.prototype, window]) {
      wrapAccessor(owner, `on${type}`, "set", (target, args) => {
        if (typeof args[0] === "function") listened(type, target, "property");
      });
    }
  }

  // One-shot timers and idle callbacks: id -> due time (performance.now() milliseconds).
  const pending = new Map();
  const originalSetTimeout = window.setTimeout;
  const originalClearTimeout = window.clearTimeout;
  window.setTimeout = function (callback, delay, ...rest) {
    const due = performance.now() + (Number(delay) || 0);
    let id;
    const wrapped =
      typeof callback === "function"
        ? function () {
            pending.delete(id);
            return callback.apply(this, arguments);
          }
        : callback;
    id = originalSetTimeout.call(this, wrapped, delay, ...rest);
    if (typeof callback === "function") pending.set(id, due);
    return id;
  };
  window.clearTimeout = function (id) {
    pending.delete(id);
    return originalClearTimeout.call(this, id);
  };
  // Idle callbacks defer work the same way (some tags send their hits from one).
  if (window.requestIdleCallback) {
    const originalIdle = window.requestIdleCallback;
    const originalCancelIdle = window.cancelIdleCallback;
    window.requestIdleCallback = function (callback, options) {
      const due = performance.now() + ((options && options.timeout) || 0);
      let id;
      id = originalIdle.call(this, function () {
        pending.delete("idle" + id);
        return callback.apply(this, arguments);
      }, options);
      pending.set("idle" + id, due);
      return id;
    };
    window.cancelIdleCallback = function (id) {
      pending.delete("idle" + id);
      return originalCancelIdle.call(this, id);
    };
  }
  // The horizon counts from the page's load event (or from `since`, a performance.now() time).
  let loadedAt = null;
  window.addEventListener("load", () => { loadedAt = performance.now(); }, { once: true });
  Object.defineProperty(window, "__sitescanPendingTimers", {
    value: (horizon, since) => {
      const limit = (since ?? loadedAt ?? performance.now()) + horizon;
      let count = 0;
      for (const due of pending.values()) if (due <= limit) count += 1;
      return count;
    },
  });
})();
