// Visits recorded while the box office has no connection. Each keeps the idempotency key it was
// given and the moment it happened (`occurred_at`), so sending it later records it once, on its
// own time; usage accepts visits up to 30 days back. Stored in localStorage: survives a reload.

const KEY = "leisure.boxOffice.queue";
let sending = false;

export function queued() {
  return JSON.parse(localStorage.getItem(KEY) ?? "[]");
}

function save(visits) {
  localStorage.setItem(KEY, JSON.stringify(visits));
}

export function enqueue(entry) {
  save([...queued(), entry]);
}

function remove(key) {
  save(queued().filter((entry) => entry.visit.idempotency_key !== key));
}

/**
 * Send the queued visits in the order they happened. A visit leaves the queue once the service
 * has answered it, recorded or refused (`onAnswer` shows which); on a transient failure or a
 * request to wait the rest wait for the next try.
 */
export async function flush(send, onAnswer) {
  if (sending) return;
  sending = true;
  try {
    for (const entry of queued()) {
      try {
        const answer = await send(entry.visit);
        remove(entry.visit.idempotency_key);
        onAnswer(entry, answer, null);
      } catch (error) {
        // Not answered, or asked to wait (429 with Retry-After): this and the rest stay for later.
        if (error.transient || error.status === 429) return;
        remove(entry.visit.idempotency_key);
        onAnswer(entry, null, error);
      }
    }
  } finally {
    sending = false;
  }
}
