export type Theme = 'light' | 'dark';

/** Where the user's explicit choice is kept; without one we follow prefers-color-scheme. */
export const THEME_KEY = 'ferry-theme';

/**
 * The colour theme. The stored choice is applied before first paint by the
 * inline script in app.html; this class keeps the toggle in step with it.
 */
class ThemeState {
	#theme = $state<Theme>('light');

	get current(): Theme {
		return this.#theme;
	}

	/** Reads what app.html applied (or the system preference). Browser only. */
	load(): void {
		const applied = document.documentElement.dataset.theme;
		if (applied === 'light' || applied === 'dark') this.#theme = applied;
		else this.#theme = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
	}

	toggle(): void {
		this.#theme = this.#theme === 'dark' ? 'light' : 'dark';
		document.documentElement.dataset.theme = this.#theme;
		try {
			localStorage.setItem(THEME_KEY, this.#theme);
		} catch {
			// Storage can be blocked; the choice then lasts for this page only.
		}
	}
}

export const theme = new ThemeState();
