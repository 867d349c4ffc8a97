from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
lr = LogisticRegression(solver="lbfgs", max_iter=200)

results = {}
for name, (train_features, test_features) in {
    "original": (X_train, X_test),
    "learnt": (train_hidden_representations, test_hidden_representations),
}.items():
    model = LogisticRegression(solver="lbfgs", max_iter=200).fit(train_features, new_y_train)
    results[name] = accuracy_score(new_y_test, model.predict(test_features))

parity_acc_original = results["original"]
parity_acc_learnt = results["learnt"]
