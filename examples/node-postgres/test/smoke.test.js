require('node:test')('loads', () => {});
