/* @ohos.app.ability.Want (API 9+; subset). `parameters` is Record<string, Object> in the SDK. */
export default class Want {
  bundleName?: string;
  abilityName?: string;
  moduleName?: string;
  uri?: string;
  action?: string;
  parameters?: Record<string, Object>;
}
