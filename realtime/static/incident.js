// The console's incident view: the report, the classifier's verdict, the escalation
// contacts and timeline, and the step buttons (`incident:step` of PROTOCOL.md).
// Pure rendering from an Incident wire dict; console.js owns the socket.

import { byId, el, t, timeElement } from "./common.js";

// Contacts come from `contacts` / `law_enforcement` on the incident (or its `policy`); when
// the server sends neither, the view says so and the buttons still work.
export function contactsOf(incident) {
  const policy = incident.policy || {};
  return {
    contacts: incident.contacts || policy.contacts || [],
    lawEnforcement: incident.law_enforcement || policy.law_enforcement || null,
  };
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

function renderContacts(incident) {
  const { contacts, lawEnforcement } = contactsOf(incident);
  const list = byId("contacts");
  list.replaceChildren();
  contacts.forEach((contact, index) => {
    const item = el("li", {}, contactLine(contact));
    if (index === (incident.contact_index || 0) && incident.claimed_by) {
      item.setAttribute("aria-current", "step");
      item.append(" ", el("span", { cls: "badge", key: "console.current" }));
    }
    list.append(item);
  });
  if (!contacts.length) list.append(el("li", { key: "console.no_contacts" }));
  const le = byId("le-contact");
  le.replaceChildren(...(lawEnforcement ? contactLine(lawEnforcement) : []));
}

function renderTriage(incident) {
  const triage = incident.triage || incident;
  const facts = byId("detail-triage");
  const reasons = el("ul", {}, (triage.reasons || []).map((r) => el("li", { text: r })));
  const confidence = typeof triage.confidence === "number" ? triage.confidence.toFixed(2) : "";
  facts.replaceChildren(
    el("dt", { key: "console.urgency" }),
    el("dd", {}, [badge(triage.urgency, `urgency.${triage.urgency}`)]),
    el("dt", { key: "console.category" }),
    el("dd", { key: `category.${triage.category}` }),
    el("dt", { key: "console.language" }),
    el("dd", { text: triage.language || "" }),
    el("dt", { key: "console.confidence" }),
    el("dd", { text: confidence }),
    el("dt", { key: "console.reasons" }),
    el("dd", {}, [reasons]),
  );
}

function stepLine(step, incident) {
  const parts = [localTime(step.at, incident, false), " ", el("strong", {
    key: `console.step.${step.action}`,
  })];
  if (step.by) parts.push(el("span", { cls: "sub", text: ` · ${step.by}` }));
  if (step.contact) parts.push(el("span", { text: ` · ${step.contact.name} ` }), telLink(step.contact));
  if (step.outcome) parts.push(el("span", { text: " · " }), el("span", {
    key: `console.outcome.${step.outcome}`,
  }));
  if (step.urgency) parts.push(el("span", { text: " → " }), el("span", {
    key: `urgency.${step.urgency}`,
  }));
  if (step.note) parts.push(el("p", { cls: "sub msg__text", text: step.note }));
  return el("li", {}, parts);
}

function renderHeading(incident) {
  const heading = byId("detail-heading");
  const school = incident.org_name || incident.org_code;
  heading.replaceChildren(
    badge(incident.urgency, `urgency.${incident.urgency}`),
    el("span", { text: `${school} · ${incident.incident_id}` }),
    badge(incident.status === "resolved" ? "resolved" : "routine", `status.${incident.status}`),
    el("span", { cls: "sub", key: `console.channel.${incident.channel || "web"}` }),
  );
  const claimed = byId("detail-claimed");
  claimed.replaceChildren(
    incident.claimed_by
      ? el("span", {}, [el("span", { key: "console.claimed_by" }), ` ${incident.claimed_by}`])
      : el("span", { key: "console.unclaimed" }),
  );
  byId("claim").hidden = Boolean(incident.claimed_by) || incident.status === "resolved";
}

export function render(incident) {
  renderHeading(incident);
  byId("detail-text").textContent = incident.text || "";
  renderTriage(incident);
  renderContacts(incident);
  byId("timeline").replaceChildren(...(incident.escalation || []).map((s) => stepLine(s, incident)));
  // Steps need a claim; the server is the judge of the rest (it answers invalid_transition).
  const locked = !incident.claimed_by || incident.status === "resolved";
  for (const button of document.querySelectorAll("[data-step]")) button.disabled = locked;
  byId("step-urgency").value = incident.urgency;
}

// The payload of `incident:step` for a step button, with the note when one was written.
export function stepPayload(incidentId, button) {
  const action = button.dataset.step;
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
  // The steps sit far below the top of the view: bring the sentence to the person's eyes.
  if (key) node.scrollIntoView({ block: "nearest" });
}
