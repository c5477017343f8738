import type { Previews } from '../service/previews.js';
import type { Service } from '../service/service.js';
import type { PreviewSource } from './http-app.js';
import type { MethodName, Methods } from './protocol.js';
import type { ServerBackend } from './server.js';

/** The Service as the server's backend: its params arrive unchecked from clients, and it checks them itself. */
export function serviceBackend(service: Service): ServerBackend {
  return {
    call: (method: MethodName, params: unknown, signal?: AbortSignal) =>
      service.call(method, params as Methods[typeof method]['params'], signal),
    reportText: (format) => service.reportText(format),
    planText: (id) => service.planText(id),
    events: service.events,
    close: (signal) => service.close(signal),
  };
}

/** Previews of catalog files by id: the Service finds the file, the previews read it (through the read budget). */
export function servicePreviews(service: Service, previews: Previews): PreviewSource {
  return {
    thumb: (id, signal) => {
      const file = service.fileForPreview(id);
      return file ? previews.thumb(file, signal) : Promise.resolve(undefined);
    },
    text: (id, signal) => {
      const file = service.fileForPreview(id);
      return file ? previews.text(file, signal) : Promise.resolve(undefined);
    },
  };
}
