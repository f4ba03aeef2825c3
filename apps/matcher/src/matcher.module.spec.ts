import { loadConfig } from '@kuzet/config';
import { faceEngineOverrides } from './matcher.module';

describe('the matcher face engine settings', () => {
  const config = (env: Record<string, string>) =>
    loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x', ...env });

  it('sizes the worker pool from FACE_WORKERS', () => {
    expect(faceEngineOverrides(config({ FACE_WORKERS: '3' }))).toEqual({ pool: { workers: 3 } });
  });

  it('leaves the pool at one worker per CPU when FACE_WORKERS is unset', () => {
    expect(faceEngineOverrides(config({}))).toEqual({});
  });
});
