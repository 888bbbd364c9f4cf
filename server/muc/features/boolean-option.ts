import { booleanField, type BooleanKey } from '../config-form.js';
import { isBoolean, storedOr } from '../room-config.js';
import type { MucService } from '../service.js';
import type { RoomFeature } from './feature.js';

export interface BooleanOption {
  key: BooleanKey;
  default: boolean;
  /** The muc#roomconfig_<field> switch, its label and position in the form. */
  field: string;
  label: string;
  position: number;
  /** The disco#info features saying whether it is on or off (XEP-0045 §15.3.2). */
  disco?: { on: string; off: string };
  /** What else the feature hooks. */
  install?(service: MucService): void;
}

/** A room option that is one switch: its default, stored value, form field and disco features. */
export function booleanOption(name: string, option: BooleanOption): RoomFeature {
  const { key, disco } = option;
  return {
    name,
    defaults: () => ({ [key]: option.default }),
    readStored: (stored, defaults) => storedOr(stored, defaults, key, isBoolean),
    install(service) {
      service.events.on('config-form', ({ fields }) => {
        fields.push(booleanField(option.field, option.label, key, option.position));
      });
      if (disco) {
        service.events.on('disco-info', ({ room, features }) => {
          features.push(room.config[key] ? disco.on : disco.off);
        });
      }
      option.install?.(service);
    },
  };
}
