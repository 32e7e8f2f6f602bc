/**
 * The parts of the File System Access API that Ferry uses and TypeScript's DOM library does
 * not declare yet (Chromium only). Everything is optional: callers feature-detect.
 */
interface FerryOpenFilePickerOptions {
	multiple?: boolean;
	id?: string;
	startIn?: 'desktop' | 'documents' | 'downloads' | 'music' | 'pictures' | 'videos';
}

interface FerryDirectoryPickerOptions {
	id?: string;
	mode?: 'read' | 'readwrite';
}

interface Window {
	showOpenFilePicker?(options?: FerryOpenFilePickerOptions): Promise<FileSystemFileHandle[]>;
	showDirectoryPicker?(options?: FerryDirectoryPickerOptions): Promise<FileSystemDirectoryHandle>;
}

interface FileSystemHandle {
	queryPermission?(descriptor?: { mode?: 'read' | 'readwrite' }): Promise<PermissionState>;
	requestPermission?(descriptor?: { mode?: 'read' | 'readwrite' }): Promise<PermissionState>;
}

interface FileSystemDirectoryHandle {
	values(): AsyncIterableIterator<FileSystemFileHandle | FileSystemDirectoryHandle>;
	keys(): AsyncIterableIterator<string>;
}

interface DataTransferItem {
	getAsFileSystemHandle?(): Promise<FileSystemHandle | null>;
}
