// The proof of work of a report (docs/protocol-extensions.md): ask `pow:challenge`, solve it
// in a Web Worker (pow-worker.js) so the page stays responsive, send it with `report:create`.
// A refusal that carries a fresh challenge (the open lane was full, or the proof did not
// hold) is solved and sent again. Without a worker, or from a server that has no proof of
// work, the report goes without one: the server still takes it within its open lane, and
// always when it is an emergency.
//
// The same for a connect with a receipt or a token while someone floods wrong ones: the
// refusal (`pow_required`, `pow_invalid`) carries a challenge, solved here and sent in `auth`
// (`proveConnects`).

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

// Connects that the server refuses with a challenge are solved in the worker and tried again
// with the proof in `auth`, at most ATTEMPTS in a row; `checking(true)` while that runs,
// `checking(false)` once connected or given up. A refusal being proved is marked `proving`
// (see failureOf), so the page's own handlers wait for the next try; one given up is left to
// them as "busy". `wanted()` false: the page dropped this socket, so it is not revived.
export function proveConnects(socket, { checking, wanted = () => true }) {
  let tries = 0;
  const withoutProof = () => {
    const { pow: _spent, ...auth } = socket.auth || {};
    socket.auth = auth;
  };
  socket.on("connect", () => {
    tries = 0;
    withoutProof(); // single use: a later reconnect asks for a fresh one if it must
    checking(false);
  });
  socket.on("connect_error", (err) => {
    const challenge = err && err.data && err.data.challenge;
    if (!challenge) return;
    if (tries >= ATTEMPTS) {
      tries = 0; // the page's next try (RETRY_BUSY_MS later) may prove again
      checking(false);
      return;
    }
    tries += 1;
    err.proving = true;
    checking(true);
    solve(challenge).then((nonce) => {
      if (!wanted()) return;
      withoutProof();
      if (nonce !== null) socket.auth = { ...socket.auth, pow: { challenge: challenge.challenge, nonce } };
      socket.connect();
    });
  });
}
