// Shared by the reporter page and the console: the text catalogue, DOM helpers, time
// formatting, tab-scoped storage and Socket.IO acks as promises.
// Every text a person reads comes from /static/i18n/<lang>.json; the markup holds only keys.
// User-provided text is always set with textContent, never parsed as HTML.

export const LANGUAGES = ["en", "es"];
// Each language is named in itself, whatever the page's language (so not in a catalogue).
const LANGUAGE_NAMES = { en: "English", es: "Español" };

const state = { lang: "en", dict: {} };

export function lang() {
  return state.lang;
}

export function t(key) {
  return Object.hasOwn(state.dict, key) ? state.dict[key] : key;
}

// The browser's preferred languages decide, English when none of them is supported.
export function preferredLanguage() {
  const wanted = navigator.languages && navigator.languages.length
    ? navigator.languages
    : [navigator.language || "en"];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function languageName(code) {
  return LANGUAGE_NAMES[code] || code;
}

// A language's whole catalogue, fetched once (the console's canned replies are in the
// reporter's language, which need not be the page's).
const catalogues = new Map();

export function catalogue(code) {
  if (!catalogues.has(code)) {
    const loading = fetch(`/static/i18n/${code}.json`, { credentials: "omit" }).then((response) => {
      if (!response.ok) throw new Error(`catalogue ${code}: ${response.status}`);
      return response.json();
    });
    loading.catch(() => catalogues.delete(code));
    catalogues.set(code, loading);
  }
  return catalogues.get(code);
}

export async function setLanguage(code) {
  const chosen = LANGUAGES.includes(code) ? code : "en";
  state.dict = await catalogue(chosen);
  state.lang = chosen;
  document.documentElement.lang = chosen;
  translate(document);
}

// Wires a <select> of LANGUAGES to switch the page's language in place.
export function languageSwitch(select, onChange = () => {}) {
  for (const option of select.options) option.textContent = LANGUAGE_NAMES[option.value] || "";
  select.value = state.lang;
  select.addEventListener("change", async () => {
    await setLanguage(select.value);
    onChange();
  });
}

// Fills every element that names a catalogue key; called again after a language switch.
export function translate(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const [attr, name] of [
    ["i18nPlaceholder", "placeholder"],
    ["i18nLabel", "aria-label"],
    ["i18nTitle", "title"],
  ]) {
    for (const node of root.querySelectorAll(`[data-${toKebab(attr)}]`)) {
      node.setAttribute(name, t(node.dataset[attr]));
    }
  }
  const titleKey = document.documentElement.dataset.titleKey;
  if (titleKey) document.title = t(titleKey);
}

function toKebab(camel) {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

// el("p", { cls: "x", key: "chat.you", text: userText, attrs: { id: "a" } }, [children])
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.cls) node.className = options.cls;
  if (options.key) {
    node.dataset.i18n = options.key;
    node.textContent = t(options.key);
  }
  if (options.text !== undefined) node.textContent = String(options.text);
  for (const [name, value] of Object.entries(options.attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

export function show(node, visible) {
  node.hidden = !visible;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing from the page`);
  return node;
}

// The reader's locale for dates: their own browser's tag for the page's language (en-GB
// reads 14:05 and 3 Mar), else the page's language.
export function locale() {
  const tags = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  const own = tags.find((tag) => tag && String(tag).toLowerCase().split("-")[0] === state.lang);
  return own || state.lang;
}

function formatted(when, options) {
  try {
    return new Intl.DateTimeFormat(locale(), options).format(when);
  } catch {
    // An unknown zone name from the server must not break the page: show UTC.
    return new Intl.DateTimeFormat(locale(), { ...options, timeZone: "UTC" }).format(when);
  }
}

// The calendar day of `when` in `timeZone` ("2025-03-04"), to tell today from other days.
function dayOf(when, timeZone) {
  return formatted(when, { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
}

// A <time> with the local rendering; `timeZone` is the school's when known, else the browser's.
// withDate: true always names the day; "auto" only when it is not today (a chat message from
// today reads "14:05", an older one "3 Mar, 14:05"). The full date and time is its title.
export function timeElement(iso, { timeZone, withDate = false } = {}) {
  const when = new Date(iso);
  const options = { hour: "2-digit", minute: "2-digit" };
  if (timeZone) options.timeZone = timeZone;
  const dated = withDate === "auto" ? dayOf(when, timeZone) !== dayOf(new Date(), timeZone) : withDate;
  if (dated) Object.assign(options, { month: "short", day: "numeric" });
  const full = formatted(when, { ...options, year: "numeric", month: "long", day: "numeric" });
  return el("time", { text: formatted(when, options), attrs: { datetime: iso, title: full } });
}

// With a mouse (and so, most likely, a keyboard) Enter sends (submits its form) and
// Shift+Enter starts a new line. A phone's on-screen keyboard has no Shift: there Enter
// starts a new line and the Send button sends, or a half-written report would go out.
// Enter while an input method is composing (Chinese, Japanese, ...) is left to it.
const FINE_POINTER = window.matchMedia("(pointer: fine)");

export function enterSends(textarea) {
  textarea.addEventListener("keydown", (event) => {
    if (!FINE_POINTER.matches) return;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    event.preventDefault();
    textarea.form.requestSubmit();
  });
}

// crypto.randomUUID needs a secure context; a school LAN over plain http is not one.
export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// sessionStorage: scoped to this tab, gone when it closes. Private modes may refuse it.
export const tabStore = {
  get(key) {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      sessionStorage.setItem(key, String(value));
    } catch {
      // Not fatal: the page still works, it just cannot resume after a reload.
    }
  },
  remove(key) {
    try {
      sessionStorage.removeItem(key);
    } catch {
      // Nothing stored, nothing to remove.
    }
  },
};

// Resolves with the ack dict; rejects on timeout so the caller can queue a retry.
export function emitAck(socket, event, payload, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
      if (err) reject(err);
      else resolve(ack && typeof ack === "object" ? ack : { ok: false, error: { code: "bad_ack" } });
    });
  });
}

// Maps an ack error to a catalogue key, so the person reads a sentence and not a code.
export function errorKey(ack, known) {
  const code = ack && ack.error && ack.error.code;
  return (known && known[code]) || "err.generic";
}

// Why a connection attempt failed: "refused" (wrong code, receipt or token: asking again will
// not help), "busy" (the server refused for now: unavailable, rate limited, or a proof of work
// the page could not solve), "network", or "proving" (pow.js is solving the proof of work
// the refusal asked for and connects again by itself: wait for that).
const BUSY = new Set(["unavailable", "rate_limited", "pow_required", "pow_invalid"]);

export function failureOf(socket, err) {
  if (err && err.proving) return "proving";
  if (socket.active) return "network";
  const code = err && err.data && err.data.code;
  return BUSY.has(code) ? "busy" : "refused";
}

// Resolves once connected; rejects with an Error whose message is failureOf(...).
export function whenConnected(socket) {
  return new Promise((resolve, reject) => {
    if (socket.connected) {
      resolve();
      return;
    }
    const done = () => {
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
    };
    const onConnect = () => {
      done();
      resolve();
    };
    const onError = (err) => {
      const failure = failureOf(socket, err);
      if (failure === "proving") return;
      done();
      reject(new Error(failure));
    };
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
  });
}

// After a refusal "for now" Socket.IO stops trying by itself: try again a little later.
export const RETRY_BUSY_MS = 15000;
