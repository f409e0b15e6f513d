// The README is the front page: what a newcomer reads before running anything. It must say
// that its two commands provision the machine as root before they do it, carry no measured
// figure (those live in docs/bench-log.md, dated, and nowhere else), and every link in it and
// in docs/ must lead somewhere.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/service';

const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');
const README = read('README.md');
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);

/** A number with a unit of memory, time or rate: what a measurement reads like. */
const FIGURE = /\b\d+(?:\.\d+)?\s?(?:MiB|MB|KiB|KB|GB|GiB|ms|us|req\/s|k req\/s)\b/;

/** The README without the generated flags block (its limits, 64 MiB and 10 KiB, are settings, not measurements). */
function readmeProse(): string {
  return README.replace(/<!-- flags:begin[\s\S]*?<!-- flags:end -->/, '');
}

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] as string)));
}

describe('README.md as a front page', () => {
  it('says the quick start provisions this machine as root, before its two commands, make all and make test', () => {
    const block = README.indexOf('```console\n$ make all');
    assert.notEqual(block, -1, 'no ```console block starting with $ make all');
    const section = README.lastIndexOf('\n## ', block);
    const before = README.slice(section, block);
    assert.match(before, /hack\/provision\.sh/, 'the text before the commands names hack/provision.sh');
    assert.match(before, /as root/, 'the text before the commands says it runs as root');
    for (const what of [/Docker/, /registry on `127\.0\.0\.1:5000`/, /QEMU/, /binfmt/]) assert.match(before, what);
    const commands = README.slice(block, README.indexOf('```\n', block + 3));
    assert.match(commands, /^\$ make all\b/m);
    assert.match(commands, /^\$ make test\b/m);
  });

  it('is CI\'s test command: .ci/run runs make test', () => {
    assert.match(read('.ci/run'), /^make test$/m);
  });

  it('carries no measured figure: those are in docs/bench-log.md', () => {
    // Code spans are syntax (`10ms` as a duration), not measurements.
    const hits = readmeProse().split('\n').filter((l) => FIGURE.test(l.replace(/`[^`]*`/g, '')));
    assert.deepEqual(hits, [], 'lines of README.md with a figure (move it to docs/bench-log.md, dated, and link there)');
  });

  it('links the bench log and names make lock', () => {
    assert.match(README, /\]\(docs\/bench-log\.md\)/);
    assert.match(README, /`make lock`/);
  });
});

describe('docs/bench-log.md is the one place figures are written', () => {
  const log = read('docs/bench-log.md');
  const rows = log.split('\n').filter((l) => l.startsWith('|') && /\d/.test(l));

  it('dates every figure: a table row starts with its date, or sits under a dated heading', () => {
    assert.ok(rows.length > 0);
    let heading = '';
    const undated: string[] = [];
    let prev = '';
    for (const l of log.split('\n')) {
      const header = !prev.startsWith('|'); // a table's first row names its columns
      prev = l;
      if (/^#{2,6} /.test(l)) heading = l;
      else if (l.startsWith('|') && !header && /\d/.test(l) && !/^\| \d{4}-\d{2}-\d{2} \|/.test(l) && !/\b\d{4}-\d{2}-\d{2}\b/.test(heading)) undated.push(l);
    }
    assert.deepEqual(undated, []);
  });

  it('docs/testing.md links to it and repeats none of its table rows; neither does the README', () => {
    const testing = read('docs/testing.md');
    assert.match(testing, /\]\(bench-log\.md[)#]/, 'docs/testing.md links to bench-log.md');
    for (const [name, text] of [['docs/testing.md', testing], ['README.md', README]] as const) {
      const repeated = rows.filter((r) => text.includes(r));
      assert.deepEqual(repeated, [], `${name} repeats rows of docs/bench-log.md`);
    }
  });

  it('examples/ comments say why, without figures', () => {
    for (const f of readdirSync(join(ROOT, 'examples'))) {
      const comments = read(`examples/${f}`).split('\n').filter((l) => /^\s*#/.test(l) && FIGURE.test(l));
      assert.deepEqual(comments, [], `examples/${f}: comment lines with a figure`);
    }
  });
});

describe('links in README.md and docs/', () => {
  for (const file of ['README.md', ...DOCS]) {
    it(`${file}: every relative link reaches a file, and its #anchor a heading there`, () => {
      const text = read(file).replace(/```[\s\S]*?```/g, '');
      const broken: string[] = [];
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1] as string;
        if (/^[a-z]+:/.test(link)) continue;
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
        if (!existsSync(target)) broken.push(`${link}: no ${relative(ROOT, target)}`);
        else if (anchor !== undefined && target.endsWith('.md') && !anchors(target).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${relative(ROOT, target)}`);
      }
      assert.deepEqual(broken, []);
    });
  }
});
