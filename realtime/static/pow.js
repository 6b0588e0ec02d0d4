// The proof of work of a report (docs/protocol-extensions.md): ask `pow:challenge`, solve it
// in a Web Worker (pow-worker.js) so the page stays responsive, send it with `report:create`.
// A refusal that carries a fresh challenge (the open lane was full, or the proof did not
// hold) is solved and sent again. Without a worker, or from a server that has no proof of
// work, the report goes without one: the server still takes it within its open lane, and
// always when it is an emergency.

import { emitAck } from "./common.js";

const ATTEMPTS = 3;

function solve(challenge) {
  return new Promise((resolve) => {
    let worker;
    try {
      worker = new Worker("/static/pow-worker.js");
    } catch {
      resolve(null);
      return;
    }
    worker.onmessage = (event) => {
      worker.terminate();
      resolve(event.data.ok ? event.data.nonce : null);
    };
    worker.onerror = () => {
      worker.terminate();
      resolve(null);
    };
    worker.postMessage({ challenge: challenge.challenge, difficulty: challenge.difficulty });
  });
}

async function withProof(payload, challenge) {
  if (!challenge) return payload;
  const nonce = await solve(challenge);
  return nonce === null ? payload : { ...payload, pow: { challenge: challenge.challenge, nonce } };
}

// `report:create` with a solved challenge; resolves to the server's last ack.
export async function createReport(socket, payload) {
  const asked = await emitAck(socket, "pow:challenge", {});
  let challenge = asked.ok ? asked : null;
  let ack;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    ack = await emitAck(socket, "report:create", await withProof(payload, challenge));
    if (ack.ok || !ack.pow) return ack;
    challenge = ack.pow;
  }
  return ack;
}
