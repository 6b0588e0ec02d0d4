// A new emergency must be noticed by someone who is not looking at the screen: a sound
// (Web Audio, no file to fetch), a browser notification, and a line on the page.
//
// An unclaimed emergency keeps ringing (every RING_MS) until someone claims it or it is
// resolved; each alarm line names the school and opens its incident when clicked. A line for
// anything else (a review, a suggestion) goes away once its incident is opened.

import { byId, el, t } from "./common.js";

const REPEAT_WINDOW_MS = 5000;
export const RING_MS = 15000;
const last = new Map();
// incident_id -> what the line shows (an Incident, or the alert's own fields).
const lines = new Map();
let audio = null;
let ringer = null;
let openIncident = () => {};

// Browsers allow sound and notification prompts only after a user gesture: call from one.
export function prepare() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
  if ("Notification" in window && Notification.permission === "default") {
    Notification.requestPermission().catch(() => {});
  }
}

// What a click on an alarm line (or its notification) does: the console opens the incident.
export function onOpen(callback) {
  openIncident = callback;
}

function beep() {
  if (!audio) return;
  const start = audio.currentTime;
  // Three short high tones: distinct from the chat's silence, audible over an office.
  for (let i = 0; i < 3; i += 1) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.25, start + i * 0.3);
    gain.gain.setValueAtTime(0, start + i * 0.3 + 0.18);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.3);
    osc.stop(start + i * 0.3 + 0.2);
  }
}

function summary(incident) {
  const urgency = incident.urgency ? t(`urgency.${incident.urgency}`) : "";
  const school = incident.org_name || incident.org_code || "";
  return [urgency, school, incident.incident_id].filter(Boolean).join(" · ");
}

function notify(incident) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  // The notification names the school and the id only: the report text stays in the console.
  const note = new Notification(t("console.notify_title"), {
    body: summary(incident),
    tag: `tipline-${incident.incident_id}`,
  });
  note.onclick = () => {
    window.focus();
    openIncident(incident.incident_id);
  };
}

// An emergency, or a case the reporter reopened by writing again, rings until it is claimed.
function needsClaim(shown) {
  const loud = shown.urgency === "emergency" || shown.reopened;
  return loud && !shown.claimed_by && shown.status !== "resolved";
}

function render() {
  const box = byId("alarm");
  const buttons = [...lines.values()].map((incident) => {
    const button = el("button", {
      cls: "alarm__line",
      text: `${t("console.notify_title")}: ${summary(incident)}`,
      attrs: { type: "button", "data-incident": incident.incident_id },
    });
    button.addEventListener("click", () => openIncident(incident.incident_id));
    return button;
  });
  box.replaceChildren(...buttons);
  box.hidden = buttons.length === 0;
}

function ring() {
  if (![...lines.values()].some(needsClaim)) {
    clearInterval(ringer);
    ringer = null;
    return;
  }
  beep();
  const box = byId("alarm");
  box.dataset.rings = String(Number(box.dataset.rings || 0) + 1);
}

// `incident:new` of an emergency, or an `incident:alert`. One alarm per incident per few
// seconds (both may come at once), except a re-page, which is the server ringing again.
export function raise(incident, reason = "emergency") {
  const now = Date.now();
  const id = incident.incident_id;
  const shown = { ...lines.get(id), ...incident };
  if (reason === "reopened") shown.reopened = true;
  lines.set(id, shown);
  render();
  if (needsClaim(shown) && !ringer) ringer = setInterval(ring, RING_MS);
  if (reason !== "repage" && now - (last.get(id) || 0) < REPEAT_WINDOW_MS) return;
  last.set(id, now);
  beep();
  notify(incident);
  const box = byId("alarm");
  box.dataset.count = String(Number(box.dataset.count || 0) + 1);
}

// The incident changed: once claimed or resolved it stops ringing and its line goes away.
export function settle(incident) {
  const shown = lines.get(incident.incident_id);
  if (!shown) return;
  if (incident.claimed_by || incident.status === "resolved") {
    lines.delete(incident.incident_id);
    last.delete(incident.incident_id);
  }
  else lines.set(incident.incident_id, { ...shown, ...incident });
  render();
}

// The incident was opened: an alarm that asks for no claim has done its job.
export function seen(incidentId) {
  const shown = lines.get(incidentId);
  if (shown && !needsClaim(shown)) {
    lines.delete(incidentId);
    render();
  }
}
