/* @ohos.promptAction (API 9+; subset). */
declare namespace promptAction {
  interface ShowToastOptions {
    message: string | Resource;
    duration?: number;
  }
  function showToast(options: ShowToastOptions): void;
}
export default promptAction;
