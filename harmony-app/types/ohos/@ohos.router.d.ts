/* @ohos.router (API 9+; subset). */
declare namespace router {
  interface RouterOptions {
    url: string;
    params?: Object;
  }
  function pushUrl(options: RouterOptions): Promise<void>;
  function replaceUrl(options: RouterOptions): Promise<void>;
  function back(): void;
  function clear(): void;
  function getParams(): Object;
}
export default router;
