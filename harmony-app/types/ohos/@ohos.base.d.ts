/* @ohos.base (API 9+): the error and callback shapes every OpenHarmony module uses. */
export interface BusinessError<T = void> extends Error {
  code: number;
  data?: T;
}
export interface AsyncCallback<T, E = void> {
  (err: BusinessError<E>, data: T): void;
}
export interface ErrorCallback<T extends Error = BusinessError> {
  (err: T): void;
}
export interface Callback<T> {
  (data: T): void;
}
