/* @ohos.app.ability.common (API 9+; subset): the UIAbility context the app hands to RDB and notifications. */
declare namespace common {
  interface AbilityInfo {
    readonly bundleName: string;
    readonly moduleName: string;
    readonly name: string;
  }
  interface Configuration {
    language?: string;
  }
  interface Context {
    readonly filesDir: string;
    readonly cacheDir: string;
    readonly databaseDir: string;
  }
  interface UIAbilityContext extends Context {
    readonly abilityInfo: AbilityInfo;
    readonly config: Configuration;
  }
}
export default common;
