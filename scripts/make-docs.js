// Writes kmodx(1) and the shell completions into build/ from the compiled CLI's own texts and
// option definitions (source/cli/man-page.ts, source/cli/completion.ts), so they follow --help.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {completionScript} from '../build/source/cli/completion.js';
import {manPage} from '../build/source/cli/man-page.js';

const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// The page's date: the last commit's when building from git (reproducible), else today.
const date = process.env['SOURCE_DATE_EPOCH'] ? new Date(Number(process.env['SOURCE_DATE_EPOCH']) * 1000) : new Date();
mkdirSync('build/man', {recursive: true});
writeFileSync('build/man/kmodx.1', manPage({version, date: date.toISOString().slice(0, 10)}));
mkdirSync('build/completions', {recursive: true});
writeFileSync('build/completions/kmodx.bash', completionScript('bash'));
writeFileSync('build/completions/_kmodx', completionScript('zsh'));
writeFileSync('build/completions/kmodx.fish', completionScript('fish'));
