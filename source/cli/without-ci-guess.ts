/**
Ink writes only the last frame when it guesses it runs in CI (`is-in-ci`: CI or
CONTINUOUS_INTEGRATION set), and guesses once, when it loads. The explorer starts only
on a terminal, where the guess is wrong (a shell that exports CI, a CI job driving tmux):
hide the variables while Ink loads, then put them back for anything we spawn.
*/
export async function withoutCiGuess<T>(load: () => Promise<T>): Promise<T> {
	const names = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
	const saved = names.map(name => [name, process.env[name]] as const);
	for (const name of names) {
		delete process.env[name];
	}

	try {
		return await load();
	} finally {
		for (const [name, value] of saved) {
			if (value !== undefined) {
				process.env[name] = value;
			}
		}
	}
}
