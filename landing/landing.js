// The landing page's entry point: the join form, or, for a link with a room and a usable
// nickname, the chat. The page talks to no origin but its own (and public_url's endpoints).

import { showJoinProblem, startChat } from './chat.js';
import { setUpForm } from './form.js';
import { $, settings } from './page.js';

// The form is wired in join mode too, for when the nickname turns out to be taken.
setUpForm();

if (settings.mode === 'join') {
  startChat().catch(() => {
    showJoinProblem('Something went wrong while starting the chat. Please try again.');
  });
} else if (!$('nick').value || !$('form-message').hidden) {
  $('nick').focus();
}
