// A new emergency must be noticed by someone who is not looking at the screen: a sound
// (Web Audio, no file to fetch), a browser notification, and a line on the page.

import { byId, t } from "./common.js";

const REPEAT_WINDOW_MS = 5000;
const last = new Map();
let audio = null;

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

function notify(incident) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const school = incident.org_name || incident.org_code || "";
  const urgency = incident.urgency ? t(`urgency.${incident.urgency}`) : "";
  // The notification names the school and the id only: the report text stays in the console.
  new Notification(t("console.notify_title"), {
    body: `${urgency} · ${school} · ${incident.incident_id}`,
    tag: `tipline-${incident.incident_id}`,
  });
}

// One alarm per incident per few seconds: `incident:new` and `incident:alert` may both come.
export function raise(incident) {
  const now = Date.now();
  if (now - (last.get(incident.incident_id) || 0) < REPEAT_WINDOW_MS) return;
  last.set(incident.incident_id, now);
  beep();
  notify(incident);
  const line = byId("alarm");
  line.hidden = false;
  const urgency = incident.urgency ? t(`urgency.${incident.urgency}`) : "";
  const school = incident.org_name || incident.org_code || "";
  line.textContent = `${t("console.notify_title")}: ${urgency} · ${school} · ${incident.incident_id}`;
  line.dataset.count = String(Number(line.dataset.count || 0) + 1);
}
