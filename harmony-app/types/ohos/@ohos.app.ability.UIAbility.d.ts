/* @ohos.app.ability.UIAbility (API 9+; subset). */
import type Want from './@ohos.app.ability.Want';
import type AbilityConstant from './@ohos.app.ability.AbilityConstant';
import type window from './@ohos.window';
import type common from './@ohos.app.ability.common';

export default class UIAbility {
  context: common.UIAbilityContext;
  launchWant: Want;
  lastRequestWant: Want;
  onCreate(want: Want, launchParam: AbilityConstant.LaunchParam): void;
  onNewWant(want: Want, launchParam: AbilityConstant.LaunchParam): void;
  onDestroy(): void | Promise<void>;
  onWindowStageCreate(windowStage: window.WindowStage): void;
  onWindowStageDestroy(): void;
  onForeground(): void;
  onBackground(): void;
}
