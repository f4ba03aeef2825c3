import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('uses the documented defaults when the environment is empty', () => {
    const config = loadConfig({});
    expect(config.HTTP_PORT).toBe(3000);
    expect(config.KAFKA_BROKERS).toBe('127.0.0.1:9092');
    expect(config.DATABASE_MIGRATIONS_RUN).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('coerces numbers and flags from strings', () => {
    const config = loadConfig({ HTTP_PORT: '8080', KAFKA_PROVISION_TOPICS: 'no' });
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.KAFKA_PROVISION_TOPICS).toBe(false);
  });

  it('names the variable and the rule of a bad value', () => {
    expect.assertions(2);
    expect(() => loadConfig({ HTTP_PORT: '70000' })).toThrow(ConfigError);
    try {
      loadConfig({ HTTP_PORT: 'seventy', KUZET_MODE: 'cluster' });
    } catch (error) {
      const issues = (error as ConfigError).issues;
      expect(issues.map((i) => i.field).sort()).toEqual(['HTTP_PORT', 'KUZET_MODE']);
    }
  });
});
