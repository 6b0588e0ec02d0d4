// The console's incident view: the report, the classifier's verdict, the escalation
// contacts and timeline, and the step buttons (`incident:step` of PROTOCOL.md).
// Pure rendering from an Incident wire dict; console.js owns the socket.

import { byId, el, t, timeElement } from "./common.js";

// Since when nobody holds an open incident: its filing, or its last reopening. Null when
// someone holds it or it is resolved.
export function unclaimedSince(incident) {
  if (incident.claimed_by || incident.status === "resolved") return null;
  const reopened = (incident.escalation || []).filter((s) => s.action === "reopen").pop();
  return reopened ? reopened.at : incident.created_at;
}

// "Unclaimed for 7 min": a span the console's ticker rewrites every few seconds (so it has
// no catalogue key of its own: translate() would put the placeholder back).
export function waiting(since) {
  const node = el("span", { cls: "wait", attrs: { "data-since": since } });
  tickWaiting(node);
  return node;
}

export function tickWaiting(node) {
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(node.dataset.since)) / 60000));
  let text = t("console.waiting_new");
  if (minutes >= 60) {
    text = t("console.waiting_hours").replace("{h}", String(Math.floor(minutes / 60)))
      .replace("{m}", String(minutes % 60));
  } else if (minutes >= 1) {
    text = t("console.waiting_min").replace("{n}", String(minutes));
  }
  node.textContent = text;
}

// Contacts come from `contacts` / `law_enforcement` on the incident (or its `policy`); when
// the server sends neither, the view says so and the buttons still work.
export function contactsOf(incident) {
  const policy = incident.policy || {};
  return {
    contacts: incident.contacts || policy.contacts || [],
    lawEnforcement: incident.law_enforcement || policy.law_enforcement || null,
  };
}

// What this responder may do now, as the server read it off the escalation's table (the
// Incident's `actions`): the holder's list for the responder in `claimed_by`, the others'
// for anyone else. The buttons follow it; the server still judges guards (e.g. no contact
// after the last: invalid_transition).
export function actionsFor(incident, me) {
  const actions = incident.actions || {};
  const mine = incident.claimed_by && incident.claimed_by === me ? actions.holder : actions.others;
  return new Set(mine || []);
}

export function zoneOf(incident) {
  return incident.org_timezone || "UTC";
}

// "14:05 (school time)" in the school's zone when the server names it, else UTC.
export function localTime(iso, incident, withDate = true) {
  const zoneLabel = incident.org_timezone ? t("console.school_time") : "UTC";
  return el("span", { cls: "when" }, [
    timeElement(iso, { timeZone: zoneOf(incident), withDate }),
    ` (${zoneLabel})`,
  ]);
}

export function badge(kind, key) {
  return el("span", { cls: `badge badge--${kind}`, key });
}

function telLink(contact) {
  return el("a", { text: contact.phone, attrs: { href: `tel:${contact.phone}` } });
}

function contactLine(contact) {
  const name = [contact.name, contact.role].filter(Boolean).join(", ");
  return [el("span", { text: `${name}: ` }), telLink(contact)];
}

function markCurrent(node) {
  node.setAttribute("aria-current", "step");
  node.append(" ", el("span", { cls: "badge", key: "console.current" }));
}

// Whom the agent calls now: a school contact, then law enforcement after the last one.
function standingOf(incident) {
  const { contacts, lawEnforcement } = contactsOf(incident);
  const index = incident.contact_index || 0;
  const current = index < contacts.length ? contacts[index] : lawEnforcement;
  const next = index + 1 < contacts.length ? contacts[index + 1] : index < contacts.length ? lawEnforcement : null;
  // The calls to the current contact since it became current.
  const calls = [];
  for (const step of incident.escalation || []) {
    if (["claim", "next_contact", "law_enforcement", "reopen"].includes(step.action)) calls.length = 0;
    if (step.action === "contact_outcome") calls.push(step.outcome);
  }
  return { current, next, calls, police: index >= contacts.length };
}

function renderContacts(incident) {
  const { contacts, lawEnforcement } = contactsOf(incident);
  const list = byId("contacts");
  list.replaceChildren();
  const live = incident.claimed_by && incident.status !== "resolved";
  const index = incident.contact_index || 0;
  contacts.forEach((contact, i) => {
    const item = el("li", {}, contactLine(contact));
    if (live && i === index) markCurrent(item);
    list.append(item);
  });
  if (!contacts.length) list.append(el("li", { key: "console.no_contacts" }));
  const le = byId("le-contact");
  le.replaceChildren(...(lawEnforcement ? contactLine(lawEnforcement) : []));
  le.removeAttribute("aria-current");
  if (live && lawEnforcement && index >= contacts.length) markCurrent(le);
}

// Where the escalation stands: whom to call now, how those calls went, whom next.
function renderStanding(incident, me) {
  const node = byId("standing");
  if (incident.status === "resolved") return node.replaceChildren(el("span", { key: "console.standing_resolved" }));
  if (!incident.claimed_by) return node.replaceChildren(el("span", { key: "console.standing_unclaimed" }));
  const { current, next, calls, police } = standingOf(incident);
  const parts = [];
  if (current) parts.push(el("strong", { key: "console.now_calling" }), ": ", ...contactLine(current));
  if (calls.length) {
    parts.push(" · ", el("span", { key: "console.calls" }), ": ");
    calls.forEach((outcome, i) => {
      if (i) parts.push(", ");
      parts.push(el("span", { key: `console.outcome.${outcome}` }));
    });
  }
  const reached = calls[calls.length - 1] === "reached";
  if (next && !reached) parts.push(" · ", el("strong", { key: "console.next_up" }), `: ${next.name} `, telLink(next));
  node.replaceChildren(...parts);
  // After a call that reached nobody, the way on is the suggested button.
  const offer = calls.length > 0 && !reached && !police && incident.claimed_by === me;
  const moreContacts = next && next !== contactsOf(incident).lawEnforcement;
  byId("steps").querySelector("[data-step=next_contact]").classList.toggle("primary", Boolean(offer && moreContacts));
}

function fact(key, value) {
  return el("div", {}, [el("dt", { key }), value]);
}

function renderTriage(incident) {
  const triage = incident.triage || incident;
  const reasons = el("ul", {}, (triage.reasons || []).map((r) => el("li", { text: r })));
  const confidence = typeof triage.confidence === "number" ? triage.confidence.toFixed(2) : "";
  const reasonsFact = fact("console.reasons", el("dd", {}, [reasons]));
  reasonsFact.classList.add("facts__reasons");
  byId("detail-triage").replaceChildren(
    fact("console.urgency", el("dd", {}, [badge(triage.urgency, `urgency.${triage.urgency}`)])),
    fact("console.category", el("dd", { key: `category.${triage.category}` })),
    fact("console.language", languageOf(triage.language)),
    fact("console.confidence", el("dd", { text: confidence })),
    reasonsFact,
  );
}

// "und" (the classifier could not tell) reads as a sentence, not a code.
function languageOf(code) {
  return !code || code === "und" ? el("dd", { key: "console.language_unknown" }) : el("dd", { text: code });
}

function stepLine(step, incident) {
  const parts = [localTime(step.at, incident, false), " ", el("strong", {
    key: `console.step.${step.action}`,
  })];
  if (step.by) parts.push(el("span", { cls: "sub", text: ` · ${step.by}` }));
  if (step.contact) parts.push(el("span", { text: ` · ${step.contact.name} ` }), telLink(step.contact));
  if (step.outcome) parts.push(el("span", { text: " · " }), el("span", {
    // A resolution is the outcome of `resolve`; a call's result the outcome of the others.
    key: step.action === "resolve" ? `console.resolution.${step.outcome}` : `console.outcome.${step.outcome}`,
  }));
  if (step.urgency) parts.push(el("span", { text: " → " }), el("span", {
    key: `urgency.${step.urgency}`,
  }));
  if (step.note) parts.push(el("p", { cls: "sub msg__text", text: step.note }));
  return el("li", {}, parts);
}

function renderHeading(incident, mine) {
  const heading = byId("detail-heading");
  const school = incident.org_name || incident.org_code;
  heading.replaceChildren(
    badge(incident.urgency, `urgency.${incident.urgency}`),
    el("span", { text: `${school} · ${incident.incident_id}` }),
    badge(incident.status === "resolved" ? "resolved" : "routine", `status.${incident.status}`),
    el("span", { cls: "sub", key: `console.channel.${incident.channel || "web"}` }),
  );
  const claimed = byId("detail-claimed");
  const since = unclaimedSince(incident);
  claimed.replaceChildren(
    incident.claimed_by
      ? el("span", {}, [el("span", { key: "console.claimed_by" }), ` ${incident.claimed_by}`])
      : since ? waiting(since) : el("span", { key: "console.unclaimed" }),
  );
  byId("claim").hidden = !mine.has("claim");
  byId("reopen").hidden = !mine.has("reopen");
}

// When the incident was last resolved: its trail's last `resolve`; null while it is not.
export function closedAt(incident) {
  const resolved = (incident.escalation || []).filter((s) => s.action === "resolve").pop();
  return resolved ? resolved.at : null;
}

// A case read from the record (the server's `read_only`: it left the live window, or
// retention purged it) can be read and not changed: one line says why, and neither the reply
// box nor a step shows (the server would refuse each with `archived`). Its next wire from
// Redis (the reporter wrote and it came back) brings them back.
function renderReadOnly(incident) {
  const readOnly = Boolean(incident.read_only);
  const line = byId("read-only");
  line.hidden = !readOnly;
  const closed = closedAt(incident);
  const purged = incident.read_only_reason === "purged";
  // Every case read from the record is resolved; the sentence without a date is a fallback.
  const dated = () => [el("span", { key: "console.read_only_closed" }), " ", localTime(closed, incident),
    el("span", { key: purged ? "console.read_only_purged" : "console.read_only_kept" })];
  const undated = () => [el("span", { key: purged ? "console.read_only_purged_alone" : "console.read_only_kept_alone" })];
  line.replaceChildren(...(!readOnly ? [] : closed ? dated() : undated()));
  byId("chat-form").hidden = readOnly;
  byId("canned").hidden = readOnly;
  for (const node of byId("steps").querySelectorAll("fieldset, .note")) node.hidden = readOnly;
}

// `me`: this console's responder id. Only the holder steps a claimed incident; anyone else
// may take it over (the server's `actions` say so, and it enforces the rule, for Slack too).
export function render(incident, me) {
  const mine = actionsFor(incident, me);
  renderHeading(incident, mine);
  renderReadOnly(incident);
  byId("take-over").hidden = !mine.has("take_over");
  // Purged under the retention policy (docs/operations.md): the figures stay, no text.
  byId("detail-text").replaceChildren(
    incident.purged_at ? el("em", { key: "console.purged" }) : incident.text || "",
  );
  renderTriage(incident);
  renderContacts(incident);
  const timeline = byId("timeline");
  timeline.replaceChildren(...(incident.escalation || []).map((s) => stepLine(s, incident)));
  // Oldest first, in a short box near the top: the newest line is the one in view.
  timeline.scrollTop = timeline.scrollHeight;
  // A step button is on when this responder may take it; while the case can be claimed the
  // console asks for the claim first (a case worked from the console is always someone's).
  const claimFirst = mine.has("claim");
  for (const button of document.querySelectorAll("[data-step]")) {
    button.disabled = claimFirst || !mine.has(button.dataset.step);
  }
  byId("step-urgency").value = incident.urgency;
  renderStanding(incident, me);
}

// The payload of `incident:step` for a step button, with the note when one was written.
export function stepPayload(incidentId, button) {
  // `data-step`: the escalation's buttons; `data-action`: reopen and take over.
  const action = button.dataset.step || button.dataset.action;
  const payload = { incident_id: incidentId, action };
  if (action === "contact_outcome") payload.outcome = button.dataset.outcome;
  if (action === "set_urgency") payload.urgency = byId("step-urgency").value;
  if (action === "resolve") payload.resolution = byId("step-resolution").value;
  const note = byId("step-note").value.trim();
  if (note) payload.note = note;
  return payload;
}

export function showError(key) {
  const node = byId("detail-error");
  node.dataset.i18n = key || "";
  node.textContent = key ? t(key) : "";
  if (key) {
    confirmStep(null);
    // On a phone the panel may sit below the fold: bring the sentence to the person's eyes.
    node.scrollIntoView({ block: "nearest" });
  }
}

// The confirmation after a step (aria-live): "Recorded 14:05: Contact outcome · No answer".
// `step` null clears it (another incident, or a refusal).
export function confirmStep(step, incident) {
  const node = byId("step-status");
  if (!step) return node.replaceChildren();
  const parts = [el("span", { key: "console.recorded" }), " ", localTime(step.at, incident, false), ": ",
    el("strong", { key: `console.step.${step.action}` })];
  if (step.outcome) {
    const key = step.action === "resolve" ? `console.resolution.${step.outcome}` : `console.outcome.${step.outcome}`;
    parts.push(" · ", el("span", { key }));
  }
  if (step.urgency) parts.push(" → ", el("span", { key: `urgency.${step.urgency}` }));
  if (step.note) parts.push(" · ", el("span", { key: "console.with_note" }));
  node.replaceChildren(...parts);
}
