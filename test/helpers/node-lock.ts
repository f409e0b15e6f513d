// What build/node.lock.json pins per arch: tests compare what the executables report with it.
import { readFileSync } from 'node:fs';
import { machine } from 'node:os';
import { join } from 'node:path';
import { arches, isHost } from './arches';
import { ROOT } from './service';

export interface NodePin {
  readonly package: string;
  readonly version: string;
  readonly integrity: string;
}

interface NodeLock {
  readonly arches: Readonly<Record<string, NodePin>>;
  readonly compare?: NodePin;
}

export function nodeLock(): NodeLock {
  return JSON.parse(readFileSync(join(ROOT, 'build', 'node.lock.json'), 'utf8')) as NodeLock;
}

/** The pin of one Makefile ARCH; a missing entry fails loudly. */
export function nodePin(make: string): NodePin {
  const pin = nodeLock().arches[make];
  if (pin === undefined) throw new Error(`build/node.lock.json pins no Node for ${make}`);
  return pin;
}

/** .cache/node/<version>/<arch>/node, where make node-fetch puts the arch's verified Node. */
export function nodeBinary(make: string): string {
  return join(ROOT, '.cache', 'node', nodePin(make).version, make, 'node');
}

/** This machine's arch as a Makefile ARCH (the table's row whose qemu column is `uname -m`, as for the build). */
export function hostMake(): string {
  const row = arches().find(isHost);
  if (row === undefined) throw new Error(`no row of build/arches.tsv is this machine's arch (${machine()})`);
  return row.make;
}
