/**
 * A tiny HTTP client with a cookie jar, acting as one browser or script
 * against a running Ferry server.
 */
export class ApiClient {
	private cookies = new Map<string, string>();
	bearer: string | null = null;

	constructor(readonly baseUrl: string) {}

	async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
		const h: Record<string, string> = { ...headers };
		if (body !== undefined) h['content-type'] ??= 'application/json';
		if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
		const response = await fetch(this.baseUrl + path, {
			method,
			headers: h,
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
			redirect: 'manual'
		});
		for (const line of response.headers.getSetCookie()) {
			const [pair] = line.split(';');
			const [name, ...rest] = (pair ?? '').split('=');
			const value = rest.join('=');
			if (!name) continue;
			if (value === '' || /max-age=0/i.test(line) || /expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name.trim());
			else this.cookies.set(name.trim(), value);
		}
		return response;
	}

	get(path: string) {
		return this.request('GET', path);
	}
	post(path: string, body: unknown = {}) {
		return this.request('POST', path, body);
	}
	patch(path: string, body: unknown) {
		return this.request('PATCH', path, body);
	}
	delete(path: string) {
		return this.request('DELETE', path);
	}

	async json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
		const response = await this.request(method, path, body);
		const text = await response.text();
		return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
	}

	cookie(name: string): string | undefined {
		return this.cookies.get(name);
	}
	setCookie(name: string, value: string) {
		this.cookies.set(name, value);
	}
}

let counter = 0;
/** Signs up a fresh user with a unique email and returns a signed-in client. */
export async function newUser(baseUrl: string, name = 'Test User'): Promise<{ client: ApiClient; id: string; email: string; password: string }> {
	const client = new ApiClient(baseUrl);
	const email = `user-${Date.now()}-${process.pid}-${++counter}@example.test`;
	const password = 'correct horse battery staple';
	const { status, body } = await client.json<{ user: { id: string } }>('POST', '/api/auth/signup', { email, password, name });
	if (status !== 201) throw new Error(`signup failed: ${status} ${JSON.stringify(body)}`);
	return { client, id: body.user.id, email, password };
}
