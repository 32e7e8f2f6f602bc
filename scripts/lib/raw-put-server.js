// The baseline for bench-server's part PUTs: the least a server can do with a
// part (stream the body to a file, fsync, answer), in its own process as
// Ferry's server is. Prints its port on stdout. Usage: node raw-put-server.js DIR
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2];
let next = 0;
const server = http.createServer((req, res) => {
	const file = path.join(dir, `part-${next++}`);
	pipeline(req, fs.createWriteStream(file))
		.then(async () => {
			const handle = await open(file, 'r');
			await handle.sync();
			await handle.close();
			res.writeHead(200, { etag: '"raw"' }).end();
		})
		.catch(() => res.destroy());
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
