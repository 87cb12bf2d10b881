# The change browser's image: its runnable jar on a pinned JRE, as an unprivileged user (docs/kubernetes.md).
# Build the jar first (mvn -B -DskipTests package), then from the repository's root:
#   docker build -f docker/browser.Dockerfile -t audit-trail-browser:0.1.0 .
FROM eclipse-temurin:17.0.15_6-jre
COPY browser/target/audit-trail-browser.jar /opt/audit-trail/audit-trail-browser.jar
# the image's users file, access log and keystore come from mounted volumes; the process owns nothing in the image
USER 10001:10001
EXPOSE 8090
ENTRYPOINT ["java", "-jar", "/opt/audit-trail/audit-trail-browser.jar"]
