// Injected into every frame before the page's own scripts run. It reports, through the binding
// __sitescanReport, what the DevTools protocol cannot attribute by itself: which script wrote a cookie,
// which requests were sent as beacons, and which one-shot timers are still pending (so the scan waits
// for a tag that fires a few seconds after load instead of sleeping a fixed time).
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
