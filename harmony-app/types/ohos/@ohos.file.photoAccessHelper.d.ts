/*
 * @ohos.file.photoAccessHelper (API 10+; subset): the system photo picker, which needs no permission (reference §3,
 * "Pickers"). Signatures as in the reference and interface_sdk-js api/@ohos.file.photoAccessHelper.d.ts.
 */
declare namespace photoAccessHelper {
  enum PhotoViewMIMETypes {
    IMAGE_TYPE = 'image/*',
    VIDEO_TYPE = 'video/*',
    IMAGE_VIDEO_TYPE = '*/*',
  }
  class PhotoSelectOptions {
    MIMEType?: PhotoViewMIMETypes;
    maxSelectNumber?: number;
  }
  class PhotoSelectResult {
    photoUris: Array<string>;
    isOriginalPhoto: boolean;
  }
  class PhotoViewPicker {
    select(option?: PhotoSelectOptions): Promise<PhotoSelectResult>;
  }
}
export default photoAccessHelper;
