// A Converse plugin: the room's head count is the people in it. Converse 14 makes a
// participant of every author in the history it loads, present or not, so after a reload
// it says "8" with 6 listed. Here a message from someone who is not in the room stays
// linked to nobody until they come back (Converse links it when they join).

export function occupantCountPlugin(converse) {
  return {
    initialize() {
      const { exports } = this._converse;
      const { Strophe } = converse.env;
      const setOccupant = exports.MUCMessage.prototype.setOccupant;
      exports.MUCMessage.prototype.setOccupant = function (occupant) {
        if (occupant || this.occupant || this.get('type') !== 'groupchat' || this.isEphemeral()) {
          return setOccupant.call(this, occupant);
        }
        const nick = Strophe.getResourceFromJid(this.get('from'));
        const occupantId = this.get('occupant_id');
        const present = nick || occupantId ? this.occupants.findOccupant({ nick, occupant_id: occupantId }) : null;
        if (present) this.occupant = present;
        return present ?? undefined;
      };
    },
  };
}
