process.env.NODE_ENV = 'test';
process.env.TEST_BACKEND = 'services';
