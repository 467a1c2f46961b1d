"""Labels of CRM records: training data for the classifiers, agents' corrections, and what the models said."""
