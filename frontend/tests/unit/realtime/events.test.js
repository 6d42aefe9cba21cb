// The SPA's event names are exactly those of docs/api.md: nothing is missing, nothing is invented.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { SERVER_EVENTS, CLIENT_FRAMES } from '../../../src/realtime/events.js';

const apiDoc = fs.readFileSync(path.resolve(__dirname, '../../../../docs/api.md'), 'utf8');
const realtimeSection = apiDoc.slice(apiDoc.indexOf('## Real-time'));

describe('event catalogue', () => {
  it('test_server_event_names_match_docs_api_md', () => {
    const documented = [...realtimeSection.matchAll(/^\| `([a-z._]+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(5);
    expect(Object.values(SERVER_EVENTS).sort()).toEqual([...new Set(documented)].sort());
  });

  it('test_client_frame_names_match_docs_api_md', () => {
    const documented = [...realtimeSection.matchAll(/\{"type": "([a-z._]+)"/g)].map((m) => m[1]);
    expect(Object.values(CLIENT_FRAMES).sort()).toEqual([...new Set(documented)].sort());
  });

  it('test_no_other_source_file_spells_an_event_name', () => {
    const src = path.resolve(__dirname, '../../../src');
    const offenders = [];
    const names = Object.values(SERVER_EVENTS).filter((n) => n.includes('.'));
    const walk = (dir) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (!file.endsWith(path.join('realtime', 'events.js')) && !file.endsWith(path.join('generated', 'contract.js'))) {
          const text = fs.readFileSync(file, 'utf8');
          // JS string literals (single quotes in this codebase); template attributes such as
          // :data-status="message.status" are property paths, and comments may name an event.
          for (const name of names) if (text.includes(`'${name}'`)) offenders.push(`${entry.name}: ${name}`);
        }
      }
    };
    walk(src);
    expect(offenders).toEqual([]);
  });
});
