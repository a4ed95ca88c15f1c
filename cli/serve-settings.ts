// What `vigil serve` takes from SENTINEL_* environment variables (Docker Sentinel's): the spec Settings `default` is
// created with when it does not exist yet (never overwriting a stored one: the resource is the source of truth, and
// kubectl, git and the REST API change it from then on), and whether /metrics is forced on. A bad value stops the
// start with a message naming the variable, instead of Sentinel's silent fallback to the default.
import { ConfigError } from './serve-config.ts';
import { mergePatches, settingsSpecFromEnvironment, SettingsEnvironmentError, type SpecPatch } from '../apiserver/sentinel/settings/setting-keys.ts';
import { booleanText, SettingValueError } from '../apiserver/sentinel/settings/setting-values.ts';
import { passkeySettingsFromEnvironment, PasskeyEnvironmentError } from '../apiserver/auth/passkeys/environment.ts';

export interface EnvironmentSettings {
  /** The Settings spec the SENTINEL_* variables describe; empty when none is set. */
  seed: SpecPatch;
  /** SENTINEL_METRICS=true or VIGIL_METRICS=true: /metrics is served whatever Settings says. */
  metricsAlwaysOn: boolean;
}

export function environmentSettings(env: NodeJS.ProcessEnv): EnvironmentSettings {
  let seed: SpecPatch;
  try {
    seed = mergePatches([settingsSpecFromEnvironment(env), passkeySettingsFromEnvironment(env)]);
  } catch (error) {
    if (error instanceof SettingsEnvironmentError || error instanceof PasskeyEnvironmentError) throw new ConfigError(error.message);
    throw error;
  }
  let metricsAlwaysOn = false;
  for (const name of ['SENTINEL_METRICS', 'VIGIL_METRICS']) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    try {
      metricsAlwaysOn ||= booleanText(text);
    } catch (error) {
      if (error instanceof SettingValueError) throw new ConfigError(`invalid ${name}=${JSON.stringify(text)}: ${error.message}`);
      throw error;
    }
  }
  return { seed, metricsAlwaysOn };
}
