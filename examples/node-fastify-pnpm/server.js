const fastify = require('fastify')({ logger: true });

fastify.get('/', async () => ({ service: process.env.SERVICE_NAME ?? 'catalog' }));
fastify.get('/healthz', async () => ({ ok: true }));

fastify.listen({ port: Number(process.env.PORT ?? 8080), host: '0.0.0.0' });
