// Unit tests touch no broker and no database: a hung one fails after 15 s, not at the 120 s
// jest.config.js gives the end-to-end tests (jest-circus reads testTimeout globally only).
jest.setTimeout(15_000);
