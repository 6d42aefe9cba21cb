// Every unit test starts with an empty localStorage (drafts, the outbox of unsent messages):
// what one test kept must not show up in the next one's thread.
import { beforeEach } from 'vitest';

beforeEach(() => {
  globalThis.localStorage?.clear();
});
