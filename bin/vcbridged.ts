import { main } from '../daemon/main.js';

process.exitCode = await main(process.argv.slice(2));
