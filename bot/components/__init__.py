"""Custom Rasa NLU components (importable because Rasa runs with cwd bot/).

``tokenizer`` (Jieba on bounded segments), ``regex_featurizer`` (Rasa's regex features in
linear time) and ``intent_classifier`` (logistic regression on length-normalised
features): each bounds what one long message can cost. Importing them changes nothing
else in Rasa: the runtime guards are installed by bot/run.py (see rasa_compat).
"""
