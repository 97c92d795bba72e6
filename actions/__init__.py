"""Custom actions of the cvm-helpdesk Rasa bot.

Actions are thin: they turn the tracker into calls on the helpdesk HTTP API
(``api_client``) and the results into messages (``replies``) in the user's
language (``language``, ``messages``). rasa-sdk's action server imports every
submodule of this package and registers the ``Action`` subclasses it finds.
"""
