process.on('exit', (c) => console.log('exit', c));
process.on('unhandledRejection', (e) => console.log('UR', e));
await import('./bench/scheduler.ts');
console.log('done');
