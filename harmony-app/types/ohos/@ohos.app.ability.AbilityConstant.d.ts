/* @ohos.app.ability.AbilityConstant (API 9+; subset). */
declare namespace AbilityConstant {
  enum LaunchReason {
    UNKNOWN = 0,
    START_ABILITY = 1,
    CALL = 2,
    CONTINUATION = 3,
  }
  interface LaunchParam {
    launchReason: LaunchReason;
  }
}
export default AbilityConstant;
