/** The 1/5/15-minute load averages as one string (`n/a` where /proc/loadavg does not exist). */
import { readFileSync } from 'node:fs';

export function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}
