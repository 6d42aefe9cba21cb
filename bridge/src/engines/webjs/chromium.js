// Chromium housekeeping. Puppeteer closes its browser when we stop cleanly; a kill -9 of the
// bridge does not, and the orphan keeps the profile's SingletonLock. Before a session launches
// (and after it closes) we kill any Chromium whose --user-data-dir is that session's profile:
// only our own profiles are ever matched.
import fs from 'node:fs';

/** PIDs of processes whose command line has `--user-data-dir=<dir>` exactly. */
export function chromiumPidsFor(userDataDir) {
  const needle = `--user-data-dir=${userDataDir}`;
  const pids = [];
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return pids; // not Linux: nothing to reap
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(needle)) pids.push(Number(entry));
    } catch {
      // process ended meanwhile
    }
  }
  return pids;
}

export function reapOrphanChromium(userDataDir, log) {
  for (const pid of chromiumPidsFor(userDataDir)) {
    try {
      process.kill(pid, 'SIGKILL');
      log?.warn({ pid, user_data_dir: userDataDir }, 'killed a leftover Chromium');
    } catch {
      // gone already
    }
  }
}
