module featurestore

go 1.19
