// Checks what a release needs (npm run release:check; CONTRIBUTING.md, "Releasing"): package.json's version is
// semantic (MAJOR.MINOR.PATCH[-PRERELEASE]), CHANGELOG.md keeps Keep a Changelog's shape (an [Unreleased]
// section first, then versions newest first) and has a dated or undated section for that version, with a link
// reference for each section. Exits 1 naming every problem. test/release.test.ts runs it.
import { readFileSync } from 'node:fs';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;
const HEADING = /^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?\s*$/;

/** Problems with the version and the changelog, each a line saying what to fix; empty when all is well. */
export function releaseProblems(packageJson, changelog) {
  const problems = [];
  const version = JSON.parse(packageJson).version;
  if (!SEMVER.test(version ?? ''))
    problems.push(`package.json: version "${version}" is not MAJOR.MINOR.PATCH (semantic versioning)`);
  const sections = changelog
    .split('\n')
    .map((line) => HEADING.exec(line))
    .filter((m) => m !== null)
    .map((m) => m[1]);
  if (sections[0] !== 'Unreleased')
    problems.push('CHANGELOG.md: the first section must be "## [Unreleased]" (where new entries go)');
  if (!sections.includes(version))
    problems.push(
      `CHANGELOG.md: no "## [${version}]" section for package.json's version: move the [Unreleased] entries under it`,
    );
  const released = sections.filter((s) => s !== 'Unreleased');
  for (const s of released)
    if (!SEMVER.test(s)) problems.push(`CHANGELOG.md: section "[${s}]" is not a semantic version`);
  const order = (v) => v.split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 1; i < released.length; i++) {
    const [a, b] = [order(released[i - 1]), order(released[i])];
    const newer = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    if (newer <= 0)
      problems.push(`CHANGELOG.md: [${released[i - 1]}] must come before [${released[i]}] (newest first)`);
  }
  for (const s of sections)
    if (!new RegExp(`^\\[${s.replaceAll('.', '\\.')}\\]: \\S+`, 'm').test(changelog))
      problems.push(`CHANGELOG.md: no link reference "[${s}]: URL" at the end`);
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = releaseProblems(
    readFileSync('package.json', 'utf8'),
    readFileSync('CHANGELOG.md', 'utf8'),
  );
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length === 0)
    process.stdout.write(
      `release check: version ${JSON.parse(readFileSync('package.json', 'utf8')).version} ok\n`,
    );
  process.exit(problems.length === 0 ? 0 : 1);
}
