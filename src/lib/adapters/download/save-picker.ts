/**
 * The File System Access save picker, which TypeScript's DOM library does not describe yet.
 * Chromium-based browsers have it; elsewhere the page falls back to the browser's download.
 */
interface SavePickerWindow {
	showSaveFilePicker?(options: { suggestedName?: string }): Promise<FileSystemFileHandle>;
}

interface PermissionedHandle {
	queryPermission?(options: { mode: 'readwrite' }): Promise<PermissionState>;
	requestPermission?(options: { mode: 'readwrite' }): Promise<PermissionState>;
}

export function hasSavePicker(): boolean {
	return typeof (window as SavePickerWindow).showSaveFilePicker === 'function';
}

/** Null when the person closed the picker without choosing. Call it in a click handler. */
export async function pickSaveFile(suggestedName: string): Promise<FileSystemFileHandle | null> {
	try {
		return await (window as SavePickerWindow).showSaveFilePicker!({ suggestedName });
	} catch (error) {
		if ((error as { name?: unknown } | null)?.name === 'AbortError') return null;
		throw error;
	}
}

/**
 * A handle kept in IndexedDB loses its write permission when the browser restarts; asking
 * again needs a click (user activation), so call it from the Resume button.
 */
export async function ensureWritePermission(handle: FileSystemFileHandle): Promise<boolean> {
	const h = handle as unknown as PermissionedHandle;
	if (!h.queryPermission || !h.requestPermission) return true;
	if ((await h.queryPermission({ mode: 'readwrite' })) === 'granted') return true;
	return (await h.requestPermission({ mode: 'readwrite' })) === 'granted';
}
